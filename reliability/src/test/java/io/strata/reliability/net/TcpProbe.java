package io.strata.reliability.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A TCP listener or a connection attempt run inside a node's namespace ({@code ip netns exec <ns> java ...}), since
 * a socket of this JVM lives in the host's namespace. {@code listen <address> <port>} accepts and closes connections
 * until killed; {@code connect <address> <port> <timeoutMs>} exits 0 when the connection opens, 1 when not.
 */
public final class TcpProbe {

    private TcpProbe() {
    }

    public static void main(String[] args) throws IOException {
        switch (args[0]) {
            case "listen" -> {
                try (ServerSocket server = new ServerSocket(Integer.parseInt(args[2]), 50,
                        InetAddress.getByName(args[1]))) {
                    while (true) {
                        server.accept().close();
                    }
                }
            }
            case "connect" -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(args[1], Integer.parseInt(args[2])), Integer.parseInt(args[3]));
                    System.exit(0);
                } catch (IOException e) {
                    System.out.println(e);
                    System.exit(1);
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Starts a listener in {@code launcher}'s namespace. */
    static Process listen(List<String> launcher, String address, int port) throws IOException {
        return new ProcessBuilder(command(launcher, "listen", address, Integer.toString(port)))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** Whether a connection from {@code launcher}'s namespace to {@code address:port} opens within a second. */
    static boolean connects(List<String> launcher, String address, int port) throws Exception {
        Process p = new ProcessBuilder(command(launcher, "connect", address, Integer.toString(port), "1000"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("connection probe did not finish");
        }
        return p.exitValue() == 0;
    }

    /** Whether this JVM (the host side) connects to {@code address:port} within a second. */
    static boolean hostConnects(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> command(List<String> launcher, String... args) {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classes(),
                TcpProbe.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String classes() {
        try {
            return Path.of(TcpProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
