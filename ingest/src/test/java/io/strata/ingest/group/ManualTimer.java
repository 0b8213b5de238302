package io.strata.ingest.group;

import java.util.PriorityQueue;

/** A {@link GroupTimer} driven by the test: time only moves in {@link #advance}. */
public final class ManualTimer implements GroupTimer {

    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now;
    private long sequence;

    @Override
    public synchronized Cancellable schedule(long delayMs, Runnable task) {
        Task t = new Task(now + Math.max(0, delayMs), sequence++, task);
        tasks.add(t);
        return () -> t.cancelled = true;
    }

    @Override
    public synchronized long nowMs() {
        return now;
    }

    /** Moves time forward, running every task that falls due on the way, in deadline order. */
    public void advance(long ms) {
        long target;
        synchronized (this) {
            target = now + ms;
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.peek();
                if (next == null || next.deadline > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = next.deadline;
            }
            if (!next.cancelled) {
                next.task.run();
            }
        }
    }

    private static final class Task implements Comparable<Task> {
        final long deadline;
        final long seq;
        final Runnable task;
        volatile boolean cancelled;

        Task(long deadline, long seq, Runnable task) {
            this.deadline = deadline;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Task o) {
            return deadline != o.deadline ? Long.compare(deadline, o.deadline) : Long.compare(seq, o.seq);
        }
    }
}
