package io.strata.membership.local;

import io.strata.membership.topic.TopicAlreadyExistsException;
import io.strata.membership.topic.TopicDescriptor;
import io.strata.membership.topic.TopicRegistry;
import io.strata.membership.topic.UnknownTopicException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A single node's topic registry, kept in a directory of its own.
 *
 * <p>File format: one Java properties file per topic, {@code <topic>.topic}, with keys {@code id}
 * (UUID), {@code partitions} (int) and {@code config.<name>} for each overridden topic config.
 * Each file is replaced atomically (see {@link DurableFiles}), so a crash leaves every topic either
 * as it was or as it was changed to. Topic names are restricted by Kafka to {@code [a-zA-Z0-9._-]},
 * which keeps them safe as file names.
 *
 * <p>Thread-safety: all methods are safe for concurrent use; changes are serialised on the registry.
 */
public final class FileTopicRegistry implements TopicRegistry {

    private static final String SUFFIX = ".topic";
    private static final String CONFIG_PREFIX = "config.";

    private final Path dir;
    private final Map<String, TopicDescriptor> topics = new ConcurrentHashMap<>();

    public FileTopicRegistry(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    String fileName = file.getFileName().toString();
                    if (fileName.endsWith(SUFFIX)) {
                        TopicDescriptor topic = read(fileName.substring(0, fileName.length() - SUFFIX.length()), file);
                        topics.put(topic.name(), topic);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load topics from " + dir, e);
        }
    }

    @Override
    public Optional<TopicDescriptor> get(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    @Override
    public Optional<TopicDescriptor> get(UUID topicId) {
        return topics.values().stream().filter(t -> t.topicId().equals(topicId)).findFirst();
    }

    @Override
    public Collection<TopicDescriptor> all() {
        return List.copyOf(topics.values());
    }

    @Override
    public synchronized TopicDescriptor create(String name, int partitions, Map<String, String> configs) {
        if (topics.containsKey(name)) {
            throw new TopicAlreadyExistsException(name);
        }
        TopicDescriptor topic = new TopicDescriptor(name, UUID.randomUUID(), partitions, configs);
        write(topic);
        topics.put(name, topic);
        return topic;
    }

    @Override
    public synchronized Optional<TopicDescriptor> delete(String name) {
        TopicDescriptor removed = topics.get(name);
        if (removed != null) {
            DurableFiles.delete(dir.resolve(name + SUFFIX));
            topics.remove(name);
        }
        return Optional.ofNullable(removed);
    }

    @Override
    public synchronized TopicDescriptor update(TopicDescriptor updated) {
        TopicDescriptor current = topics.get(updated.name());
        if (current == null || !current.topicId().equals(updated.topicId())) {
            throw new UnknownTopicException(updated.name());
        }
        write(updated);
        topics.put(updated.name(), updated);
        return updated;
    }

    private void write(TopicDescriptor topic) {
        Properties props = new Properties();
        props.setProperty("id", topic.topicId().toString());
        props.setProperty("partitions", Integer.toString(topic.partitions()));
        topic.configs().forEach((k, v) -> props.setProperty(CONFIG_PREFIX + k, v));
        DurableFiles.writeProperties(dir.resolve(topic.name() + SUFFIX), props);
    }

    private static TopicDescriptor read(String name, Path file) {
        Properties props = DurableFiles.readProperties(file);
        Map<String, String> configs = new TreeMap<>();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith(CONFIG_PREFIX)) {
                configs.put(key.substring(CONFIG_PREFIX.length()), props.getProperty(key));
            }
        }
        return new TopicDescriptor(name, UUID.fromString(props.getProperty("id")),
                Integer.parseInt(props.getProperty("partitions")), configs);
    }
}
