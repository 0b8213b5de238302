package io.strata.membership.hazelcast;

import java.util.function.Consumer;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryLoadedListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;

/**
 * Keeps a store's local copy of a metadata map current: every kind of entry event (including the merges and loads
 * that a split-brain heal and a restart fire) names the key to read again, and a cleared map asks for everything
 * to be read again. Registered without values ({@code includeValue=false}): the store reads the key itself, so an
 * event's order relative to others never decides what the copy holds. Called on Hazelcast event threads.
 */
public final class KeyChangeListener implements EntryAddedListener<String, byte[]>, EntryUpdatedListener<String, byte[]>,
        EntryRemovedListener<String, byte[]>, EntryMergedListener<String, byte[]>,
        EntryLoadedListener<String, byte[]>, EntryEvictedListener<String, byte[]>, MapClearedListener {

    private final Consumer<String> refreshKey;
    private final Runnable refreshAll;

    public KeyChangeListener(Consumer<String> refreshKey, Runnable refreshAll) {
        this.refreshKey = refreshKey;
        this.refreshAll = refreshAll;
    }

    @Override
    public void entryAdded(EntryEvent<String, byte[]> event) {
        refreshKey.accept(event.getKey());
    }

    @Override
    public void entryUpdated(EntryEvent<String, byte[]> event) {
        refreshKey.accept(event.getKey());
    }

    @Override
    public void entryRemoved(EntryEvent<String, byte[]> event) {
        refreshKey.accept(event.getKey());
    }

    @Override
    public void entryMerged(EntryEvent<String, byte[]> event) {
        refreshKey.accept(event.getKey());
    }

    @Override
    public void entryLoaded(EntryEvent<String, byte[]> event) {
        refreshKey.accept(event.getKey());
    }

    @Override
    public void entryEvicted(EntryEvent<String, byte[]> event) {
        refreshKey.accept(event.getKey());
    }

    @Override
    public void mapCleared(MapEvent event) {
        refreshAll.run();
    }
}
