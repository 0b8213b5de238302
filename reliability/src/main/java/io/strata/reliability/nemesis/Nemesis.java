package io.strata.reliability.nemesis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.strata.reliability.cluster.ClusterUnderTest;
import io.strata.reliability.history.Event;
import io.strata.reliability.history.History;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and heals faults on a cluster under test, recording each start and heal in the history. It chooses its
 * victims from what the cluster reports (the leader or a follower of a random partition of the workload's
 * topics), as an attacker who wants to hurt would, and falls back to a random node when the cluster cannot
 * answer. Faults of one round pick distinct nodes where they can. Driven from one thread.
 */
public final class Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);

    /** A fault in force; {@link #heal} undoes it. */
    public interface ActiveFault {
        String description();

        void heal();
    }

    private final ClusterUnderTest cluster;
    private final Admin admin;
    private final History history;
    private final Random random;
    private final List<String> topics;
    private final Duration failureDetection;
    private final Duration isrShrinkWait;
    private final Set<Integer> busy = new HashSet<>();

    /**
     * @param failureDetection how long a silent node takes to be declared dead (a pause lasts longer)
     * @param isrShrinkWait    how long to wait at most for followers that cannot fetch to leave the ISR
     */
    public Nemesis(ClusterUnderTest cluster, Admin admin, History history, Random random, List<String> topics,
                   Duration failureDetection, Duration isrShrinkWait) {
        this.cluster = cluster;
        this.admin = admin;
        this.history = history;
        this.random = random;
        this.topics = topics;
        this.failureDetection = failureDetection;
        this.isrShrinkWait = isrShrinkWait;
    }

    /** Whether this cluster can suffer the fault at all (Kafka has no object store; disk faults need tmpfs). */
    public boolean applicable(Fault fault) {
        return switch (fault) {
            case OBJECT_STORE -> cluster.hasObjectStore();
            case DISK_FULL -> cluster.supportsDiskFull();
            default -> true;
        };
    }

    /** How long a fault stays in force before it is healed: long enough to be noticed. */
    public Duration holdTime(Fault fault) {
        Duration base = switch (fault) {
            case PAUSE -> failureDetection.multipliedBy(2);
            case RESTART_CLUSTER, LAGGING_ISR -> Duration.ofSeconds(5);
            default -> Duration.ofSeconds(8);
        };
        return base.plusMillis(random.nextInt(7000));
    }

    public ActiveFault start(Fault fault) {
        ActiveFault active = switch (fault) {
            case KILL_LEADER -> kill(fault, pickLeader());
            case KILL_FOLLOWER -> kill(fault, pickFollower());
            case PAUSE -> pause(pickAny());
            case ISOLATE_LEADER -> isolate(fault, pickLeader());
            case SPLIT -> isolate(fault, pickAny());
            case OBJECT_STORE -> objectStore();
            case RESTART_CLUSTER -> restartCluster();
            case LAGGING_ISR -> laggingIsr();
            case DISK_FULL -> diskFull(pickLeader());
        };
        history.record(Event.nemesis(history.now(), "start", active.description()));
        LOG.info("nemesis: {}", active.description());
        return active;
    }

    /** Heals a fault and records it. */
    public void heal(ActiveFault fault) {
        fault.heal();
        history.record(Event.nemesis(history.now(), "stop", fault.description()));
        LOG.info("nemesis healed: {}", fault.description());
    }

    /** Makes sure nothing is left broken: network healed, disks freed, the store and every node running. */
    public void healEverything() {
        cluster.network().heal();
        if (cluster.supportsDiskFull()) {
            cluster.nodeIds().forEach(cluster::freeDisk);
        }
        cluster.nodeIds().forEach(id -> {
            if (cluster.isRunning(id)) {
                cluster.resume(id);
            }
        });
        if (cluster.hasObjectStore()) {
            cluster.startObjectStore();
        }
        startAll(cluster.nodeIds().stream().filter(id -> !cluster.isRunning(id)).toList());
        busy.clear();
    }

    /**
     * Starts the nodes that exited by themselves while a fault was in force (Apache Kafka halts a broker whose only
     * log directory fails, e.g. on a full disk), as a process supervisor would, and records that they had.
     *
     * @return the nodes it started
     */
    public List<Integer> restartExited() {
        List<Integer> exited = cluster.nodeIds().stream().filter(id -> !cluster.isRunning(id)).toList();
        if (!exited.isEmpty()) {
            LOG.info("nemesis: nodes {} had exited by themselves; starting them again", exited);
            history.record(Event.phase(history.now(), "nodes " + exited + " had exited by themselves; started again"));
            startAll(exited);
        }
        return exited;
    }

    /**
     * Waits until every partition of the topics has all its replicas in sync again.
     *
     * @return how long that took, or empty if it did not happen within the timeout
     */
    public java.util.Optional<Duration> awaitFullIsr(Duration timeout) {
        long start = System.nanoTime();
        long until = start + timeout.toNanos();
        while (System.nanoTime() < until) {
            try {
                boolean full = describe().values().stream().flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size());
                if (full) {
                    return java.util.Optional.of(Duration.ofNanos(System.nanoTime() - start));
                }
            } catch (RuntimeException e) {
                // no answer yet
            }
            sleep(1000);
        }
        return java.util.Optional.empty();
    }

    /** Frees the nodes the faults of the last round took, so the next round may pick them again. */
    public void endRound() {
        busy.clear();
    }

    // ---- the faults ----

    private ActiveFault kill(Fault fault, int node) {
        cluster.kill(node);
        return fault(fault.label() + " node " + node, () -> cluster.startNode(node));
    }

    private ActiveFault pause(int node) {
        cluster.pause(node);
        return fault("pause node " + node, () -> cluster.resume(node));
    }

    private ActiveFault isolate(Fault fault, int node) {
        cluster.network().isolate(node);
        return fault(fault.label() + " node " + node + " | " + others(node), () -> cluster.network().heal());
    }

    private ActiveFault objectStore() {
        cluster.killObjectStore();
        return fault("object-store killed", cluster::startObjectStore);
    }

    private ActiveFault restartCluster() {
        List<Integer> all = cluster.nodeIds();
        busy.addAll(all);
        all.forEach(cluster::kill);
        return fault("restart-cluster (kill -9 of every node)", () -> startAll(all));
    }

    private ActiveFault diskFull(int node) {
        cluster.fillDisk(node);
        return fault("disk-full node " + node, () -> cluster.freeDisk(node));
    }

    /**
     * The followers of one partition stop fetching from its leader (their Kafka port is blocked towards it; the
     * cluster links stay up, so nobody is declared dead); once they have left the ISR, the leader is killed.
     */
    private ActiveFault laggingIsr() {
        Map<String, TopicDescription> described = describe();
        List<TopicPartitionInfo> candidates = new ArrayList<>();
        List<String> names = new ArrayList<>();
        described.forEach((topic, d) -> d.partitions().forEach(p -> {
            if (p.leader() != null && p.leader().id() >= 0 && p.replicas().size() > 1) {
                candidates.add(p);
                names.add(topic);
            }
        }));
        if (candidates.isEmpty()) {
            throw new IllegalStateException("lagging-isr: no partition with a leader and followers");
        }
        int i = random.nextInt(candidates.size());
        TopicPartitionInfo p = candidates.get(i);
        String tp = names.get(i) + "-" + p.partition();
        int leader = p.leader().id();
        int port = cluster.kafkaPort();
        List<Integer> followers = p.replicas().stream().map(Node::id).filter(id -> id != leader).toList();
        busy.addAll(cluster.nodeIds());
        for (int f : followers) {
            cluster.network().blockPort(f, leader, port);
        }
        // A phase, not a fault start: the fault's start and stop are recorded once, as for every other fault.
        history.record(Event.phase(history.now(), "lagging-isr: followers " + followers
                + " of " + tp + " cannot fetch from leader " + leader));
        boolean shrunk = awaitIsr(names.get(i), p.partition(), Set.of(leader), isrShrinkWait);
        cluster.kill(leader);
        String description = "lagging-isr " + tp + ": leader " + leader + " killed "
                + (shrunk ? "after its ISR shrank to itself" : "(its ISR had not shrunk yet)");
        return fault(description, () -> {
            cluster.network().heal();
            cluster.startNode(leader);
        });
    }

    // ---- choosing victims ----

    private int pickLeader() {
        List<Integer> leaders = new ArrayList<>();
        try {
            describe().values().forEach(d -> d.partitions().forEach(p -> {
                if (p.leader() != null && p.leader().id() >= 0 && !busy.contains(p.leader().id())) {
                    leaders.add(p.leader().id());
                }
            }));
        } catch (RuntimeException e) {
            LOG.info("nemesis: no leaders known ({}), picking any node", e.toString());
        }
        return leaders.isEmpty() ? pickAny() : take(leaders.get(random.nextInt(leaders.size())));
    }

    private int pickFollower() {
        List<Integer> followers = new ArrayList<>();
        try {
            describe().values().forEach(d -> d.partitions().forEach(p -> p.replicas().forEach(r -> {
                if ((p.leader() == null || r.id() != p.leader().id()) && !busy.contains(r.id())) {
                    followers.add(r.id());
                }
            })));
        } catch (RuntimeException e) {
            LOG.info("nemesis: no followers known ({}), picking any node", e.toString());
        }
        return followers.isEmpty() ? pickAny() : take(followers.get(random.nextInt(followers.size())));
    }

    private int pickAny() {
        List<Integer> free = cluster.nodeIds().stream().filter(id -> !busy.contains(id)).toList();
        List<Integer> from = free.isEmpty() ? cluster.nodeIds() : free;
        return take(from.get(random.nextInt(from.size())));
    }

    private int take(int node) {
        busy.add(node);
        return node;
    }

    private List<Integer> others(int node) {
        return cluster.nodeIds().stream().filter(id -> id != node).toList();
    }

    // ---- cluster look-ups ----

    private Map<String, TopicDescription> describe() {
        try {
            return admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("describe topics: " + e, e);
        }
    }

    private boolean awaitIsr(String topic, int partition, Set<Integer> isr, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < until) {
            try {
                TopicPartitionInfo p = describe().get(topic).partitions().get(partition);
                Set<Integer> now = new HashSet<>();
                p.isr().forEach(n -> now.add(n.id()));
                if (now.equals(isr)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // ask again
            }
            sleep(500);
        }
        return false;
    }

    /** Nodes that wait for a majority at start must start together. */
    private void startAll(Collection<Integer> nodes) {
        if (nodes.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            List<Future<?>> started = new ArrayList<>();
            for (int id : nodes) {
                started.add(pool.submit(() -> cluster.startNode(id)));
            }
            for (Future<?> f : started) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("starting nodes " + nodes + ": " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static ActiveFault fault(String description, Runnable heal) {
        return new ActiveFault() {
            @Override
            public String description() {
                return description;
            }

            @Override
            public void heal() {
                heal.run();
            }
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
