package io.strata.loadtests.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The TLS material both brokers of the security benchmark serve with, made by the JDK's {@code keytool}: one
 * self-signed server certificate for 127.0.0.1 and localhost (EC P-256, valid two days) in a PKCS12 key store, and a
 * PKCS12 trust store holding that certificate for the clients. Both systems get the same files, so they negotiate the
 * same TLS version, cipher suite and key exchange with the same clients. Immutable once created.
 */
public final class BenchCertificates {

    public static final String PASSWORD = "bench-store-pass";

    private final Path dir;

    private BenchCertificates(Path dir) {
        this.dir = dir;
    }

    /** Creates the key store and trust store under {@code dir} (replacing earlier ones). */
    public static BenchCertificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        for (String f : List.of("server.p12", "server.pem", "truststore.p12")) {
            Files.deleteIfExists(dir.resolve(f));
        }
        BenchCertificates c = new BenchCertificates(dir);
        c.keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", "server.p12",
                "-storetype", "PKCS12");
        c.keytool("-exportcert", "-alias", "server", "-keystore", "server.p12", "-rfc", "-file", "server.pem");
        c.keytool("-importcert", "-alias", "server", "-keystore", "truststore.p12", "-storetype", "PKCS12",
                "-file", "server.pem", "-noprompt");
        return c;
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(Arrays.asList(args));
        command.addAll(List.of("-storepass", PASSWORD));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("keytool " + args[0] + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }

    public Path keystore() {
        return dir.resolve("server.p12");
    }

    public Path truststore() {
        return dir.resolve("truststore.p12");
    }
}
