package io.strata.membership.partition;

import io.strata.membership.durable.ByteWriter;
import io.strata.membership.durable.CorruptMetadataException;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The partition state value, its compare-and-set rules and the role callbacks, without a cluster. */
class PartitionStateTest {

    private static final UUID TOPIC = UUID.randomUUID();

    @Test
    void versionTwoRoundTripsAndVersionOneIsReadWithAnIsr() {
        PartitionState s = new PartitionState(TOPIC, 3, 7, 12, List.of(3, 1, 2), List.of(3, 2));
        assertThat(PartitionState.fromBytes(s.toBytes())).isEqualTo(s);
        assertThat(s.toBytes()[0]).isEqualTo((byte) 2);

        byte[] v1 = v1(TOPIC, 2, 9, List.of(1, 2, 3));
        PartitionState read = PartitionState.fromBytes(v1);
        assertThat(read).isEqualTo(new PartitionState(TOPIC, 2, 9, 9, List.of(1, 2, 3), List.of(2)));

        PartitionState offline = PartitionState.fromBytes(v1(TOPIC, PartitionState.NO_LEADER, 4, List.of(5, 6)));
        assertThat(offline.hasLeader()).isFalse();
        assertThat(offline.isr()).containsExactly(5);
        assertThat(offline.partitionEpoch()).isEqualTo(4);

        byte[] v3 = s.toBytes();
        v3[0] = 3;
        assertThatThrownBy(() -> PartitionState.fromBytes(v3)).isInstanceOf(CorruptMetadataException.class);
    }

    private static byte[] v1(UUID topic, int leader, int epoch, List<Integer> replicas) {
        ByteWriter w = new ByteWriter().writeByte(1).writeUuid(topic).writeInt(leader).writeInt(epoch).writeInt(replicas.size());
        replicas.forEach(w::writeInt);
        return w.toByteArray();
    }

    @Test
    void invariantsAreEnforced() {
        assertThatThrownBy(() -> new PartitionState(TOPIC, 1, 0, 0, List.of(), List.of(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PartitionState(TOPIC, 1, 0, 0, List.of(1, 1), List.of(1)))
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> new PartitionState(TOPIC, 1, 0, 0, List.of(1, 2), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PartitionState(TOPIC, 1, 0, 0, List.of(1, 2), List.of(1, 3)))
                .hasMessageContaining("subset");
        assertThatThrownBy(() -> new PartitionState(TOPIC, 1, 0, 0, List.of(1, 2), List.of(2)))
                .hasMessageContaining("not in the isr");
        assertThatThrownBy(() -> new PartitionState(TOPIC, 1, 0, -1, List.of(1), List.of(1)))
                .isInstanceOf(IllegalArgumentException.class);
        // offline: no leader, the ISR keeps the last member
        assertThat(new PartitionState(TOPIC, PartitionState.NO_LEADER, 1, 1, List.of(1, 2), List.of(2)).hasLeader()).isFalse();
    }

    @Test
    void epochsGrowAsDocumented() {
        PartitionState s = PartitionState.initial(TOPIC, List.of(1, 2, 3));
        assertThat(s).isEqualTo(new PartitionState(TOPIC, 1, 0, 0, List.of(1, 2, 3), List.of(1, 2, 3)));
        PartitionState shrunk = s.withIsr(List.of(1, 3));
        assertThat(shrunk.leaderEpoch()).isZero();
        assertThat(shrunk.partitionEpoch()).isEqualTo(1);
        PartitionState moved = shrunk.withLeader(3, List.of(3));
        assertThat(moved.leaderEpoch()).isEqualTo(1);
        assertThat(moved.partitionEpoch()).isEqualTo(2);
        assertThat(moved.replicas()).isEqualTo(s.replicas());
        assertThat(moved.isNewerThan(shrunk)).isTrue();
        assertThat(shrunk.isNewerThan(s)).isTrue();
        assertThat(s.isNewerThan(shrunk)).isFalse();
        assertThat(s.withEpochsAtLeast(moved)).extracting(PartitionState::leaderEpoch, PartitionState::partitionEpoch)
                .containsExactly(1, 2);
    }

    @Test
    void compareAndSetNeedsBothEpochsAndMovesForward() {
        PartitionState cur = new PartitionState(TOPIC, 1, 3, 5, List.of(1, 2, 3), List.of(1, 2, 3));
        // a changed ISR under the same leader epoch
        assertThat(cas(cur, 3, 5, cur.withIsr(List.of(1, 2)))).isTrue();
        // wrong leader epoch, wrong partition epoch
        assertThat(cas(cur, 2, 5, cur.withIsr(List.of(1, 2)))).isFalse();
        assertThat(cas(cur, 3, 4, cur.withIsr(List.of(1, 2)))).isFalse();
        // partition epoch must grow
        assertThat(cas(cur, 3, 5, new PartitionState(TOPIC, 1, 3, 5, List.of(1, 2, 3), List.of(1)))).isFalse();
        // leader epoch must not go back
        assertThat(cas(cur, 3, 5, new PartitionState(TOPIC, 1, 2, 6, List.of(1, 2, 3), List.of(1)))).isFalse();
        // a new leader needs a new leader epoch
        assertThat(cas(cur, 3, 5, new PartitionState(TOPIC, 2, 3, 6, List.of(1, 2, 3), List.of(2)))).isFalse();
        assertThat(cas(cur, 3, 5, cur.withLeader(2, List.of(2, 3)))).isTrue();
        // create only when absent; remove on both epochs
        assertThat(process(null, new PartitionStateCas(PartitionStateCas.ABSENT, PartitionStateCas.ABSENT, cur.toBytes())).getValue())
                .isEqualTo(cur.toBytes());
        Map.Entry<String, byte[]> present = process(cur.toBytes(),
                new PartitionStateCas(PartitionStateCas.ABSENT, PartitionStateCas.ABSENT, cur.withIsr(List.of(1)).toBytes()));
        assertThat(PartitionState.fromBytes(present.getValue())).isEqualTo(cur);
        assertThat(process(cur.toBytes(), new PartitionStateCas(3, 4, null)).getValue()).isNotNull();
        assertThat(process(cur.toBytes(), new PartitionStateCas(3, 5, null)).getValue()).isNull();
    }

    @Test
    void alterIsrIsFencedByLeaderAndBothEpochs() {
        PartitionState cur = new PartitionState(TOPIC, 1, 3, 5, List.of(1, 2, 3), List.of(1, 2));
        Map.Entry<String, byte[]> e = new AbstractMap.SimpleEntry<>("t-0", cur.toBytes());
        byte[] r = new AlterIsr(1, 3, 5, List.of(1, 2, 3)).process(e);
        assertThat(r[0]).isEqualTo(PartitionStateCas.APPLIED);
        PartitionState after = PartitionState.fromBytes(e.getValue());
        assertThat(after).isEqualTo(new PartitionState(TOPIC, 1, 3, 6, List.of(1, 2, 3), List.of(1, 2, 3)));

        // the same request again is stale now (partition epoch 6)
        assertThat(new AlterIsr(1, 3, 5, List.of(1, 2, 3)).process(e)[0]).isEqualTo(PartitionStateCas.NOT_APPLIED);
        // another leader, or an old leader epoch, is fenced
        assertThat(new AlterIsr(2, 3, 6, List.of(2)).process(e)[0]).isEqualTo(PartitionStateCas.NOT_APPLIED);
        assertThat(new AlterIsr(1, 2, 6, List.of(1)).process(e)[0]).isEqualTo(PartitionStateCas.NOT_APPLIED);
        // not a subset of the replicas
        assertThat(new AlterIsr(1, 3, 6, List.of(1, 4)).process(e)[0]).isEqualTo(AlterIsr.INVALID);
        // the same ISR is accepted without a new epoch
        assertThat(new AlterIsr(1, 3, 6, List.of(3, 2, 1)).process(e)[0]).isEqualTo(PartitionStateCas.APPLIED);
        assertThat(PartitionState.fromBytes(e.getValue()).partitionEpoch()).isEqualTo(6);
        assertThat(PartitionState.fromBytes(e.getValue())).isEqualTo(after);
    }

    private static boolean cas(PartitionState cur, int le, int pe, PartitionState next) {
        Map.Entry<String, byte[]> e = new AbstractMap.SimpleEntry<>("t-0", cur.toBytes());
        byte[] r = new PartitionStateCas(le, pe, next.toBytes()).process(e);
        boolean applied = r[0] == PartitionStateCas.APPLIED;
        assertThat(PartitionState.fromBytes(e.getValue())).isEqualTo(applied ? next : cur);
        return applied;
    }

    private static Map.Entry<String, byte[]> process(byte[] value, PartitionStateCas cas) {
        Map.Entry<String, byte[]> e = new AbstractMap.SimpleEntry<>("t-0", value);
        cas.process(e);
        return e;
    }

    @Test
    void roleCallbacksOfOneNode() {
        PartitionId p = new PartitionId("t", 0);
        PartitionState s0 = PartitionState.initial(TOPIC, List.of(1, 2, 3)); // 1 leads
        assertThat(calls(2, null, s0)).containsExactly("becameFollower 1@0");
        assertThat(calls(1, null, s0)).containsExactly("becameLeader 1@0");
        assertThat(calls(4, null, s0)).isEmpty();

        PartitionState shrunk = s0.withIsr(List.of(1, 2)); // ISR only: leader told, followers not
        assertThat(calls(1, s0, shrunk)).containsExactly("isrChanged 1@0");
        assertThat(calls(2, s0, shrunk)).isEmpty();
        assertThat(calls(3, s0, shrunk)).isEmpty();

        PartitionState moved = shrunk.withLeader(2, List.of(2)); // 2 takes over
        assertThat(calls(1, shrunk, moved)).containsExactly("stoppedLeading 2@1", "becameFollower 2@1");
        assertThat(calls(2, shrunk, moved)).containsExactly("stoppedFollowing 2@1", "becameLeader 2@1");
        assertThat(calls(3, shrunk, moved)).containsExactly("becameFollower 2@1");

        PartitionState offline = moved.withLeader(PartitionState.NO_LEADER, List.of(2));
        assertThat(calls(3, moved, offline)).containsExactly("becameFollower -1@2");
        assertThat(calls(2, moved, offline)).containsExactly("stoppedLeading -1@2", "becameFollower -1@2");

        PartitionState reassigned = new PartitionState(TOPIC, 2, 1, 3, List.of(2, 4), List.of(2));
        assertThat(calls(3, moved, reassigned)).containsExactly("stoppedFollowing 2@1");
        assertThat(calls(2, moved, reassigned)).containsExactly("isrChanged 2@1");
        assertThat(calls(3, moved, null)).containsExactly("stoppedFollowing null");
        assertThat(calls(2, moved, null)).containsExactly("stoppedLeading null");

        // the same name under another topic id is another partition
        PartitionState recreated = PartitionState.initial(UUID.randomUUID(), List.of(1, 2, 3));
        assertThat(calls(1, s0, recreated)).containsExactly("stoppedLeading 1@0", "becameLeader 1@0");
        assertThat(calls(2, s0, recreated)).containsExactly("stoppedFollowing 1@0", "becameFollower 1@0");
        assertThat(p.key()).isEqualTo("t-0");
    }

    private static List<String> calls(int node, PartitionState previous, PartitionState current) {
        List<String> calls = new ArrayList<>();
        LeadershipListener l = new LeadershipListener() {
            @Override
            public void becameLeader(PartitionId partition, PartitionState state) {
                calls.add("becameLeader " + describe(state));
            }

            @Override
            public void stoppedLeading(PartitionId partition, PartitionState current) {
                calls.add("stoppedLeading " + describe(current));
            }

            @Override
            public void becameFollower(PartitionId partition, PartitionState state) {
                calls.add("becameFollower " + describe(state));
            }

            @Override
            public void stoppedFollowing(PartitionId partition, PartitionState current) {
                calls.add("stoppedFollowing " + describe(current));
            }

            @Override
            public void isrChanged(PartitionId partition, PartitionState state) {
                calls.add("isrChanged " + describe(state));
            }
        };
        PartitionStateStore.dispatch(node, l, new PartitionId("t", 0), previous, current);
        return calls;
    }

    private static String describe(PartitionState s) {
        return s == null ? "null" : s.leaderNodeId() + "@" + s.leaderEpoch();
    }
}
