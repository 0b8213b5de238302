package io.strata.systemtest.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A throw-away certificate authority and certificates signed by it, made with the JDK's {@code keytool}: a
 * server certificate for 127.0.0.1 and localhost, a client certificate with a chosen subject, PKCS12 key
 * stores for both, a PKCS12 trust store and the CA as PEM (for node.js and librdkafka clients). EC P-256
 * keys, valid for two days. All stores share one password.
 */
public final class TestCertificates {
    public static final String PASSWORD = "test-store-pass";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Creates everything under {@code dir}; {@code clientSubject} like {@code CN=alice,OU=apps,O=Strata}. */
    public static TestCertificates create(Path dir, String clientSubject) {
        try {
            Files.createDirectories(dir);
            for (String f : List.of("ca.p12", "ca.pem", "server.p12", "server.csr", "server.pem", "client.p12",
                    "client.csr", "client.pem", "truststore.p12")) {
                Files.deleteIfExists(dir.resolve(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestCertificates c = new TestCertificates(dir);
        c.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=Strata Test CA", "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12");
        c.keytool("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-rfc", "-file", "ca.pem");
        c.keytool("-importcert", "-alias", "ca", "-keystore", "truststore.p12", "-storetype", "PKCS12",
                "-file", "ca.pem", "-noprompt");
        c.signed("server", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
        c.signed("client", clientSubject, null);
        return c;
    }

    /**
     * Only a self-signed server certificate for 127.0.0.1 and localhost ({@link #serverKeystore}, alias
     * {@code server}) and a trust store holding it ({@link #truststore}): three keytool runs instead of a dozen,
     * for tests that need TLS on the node but no client certificates.
     */
    public static TestCertificates selfSignedServer(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String f : List.of("server.p12", "server.pem", "truststore.p12")) {
                Files.deleteIfExists(dir.resolve(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestCertificates c = new TestCertificates(dir);
        c.keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", "server.p12", "-storetype", "PKCS12");
        c.keytool("-exportcert", "-alias", "server", "-keystore", "server.p12", "-rfc", "-file", "server.pem");
        c.keytool("-importcert", "-alias", "server", "-keystore", "truststore.p12", "-storetype", "PKCS12",
                "-file", "server.pem", "-noprompt");
        return c;
    }

    private void signed(String name, String subject, String san) {
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", subject,
                "-validity", "2", "-keystore", name + ".p12", "-storetype", "PKCS12");
        keytool("-certreq", "-alias", name, "-keystore", name + ".p12", "-file", name + ".csr");
        List<String> gencert = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile",
                name + ".csr", "-outfile", name + ".pem", "-rfc", "-validity", "2"));
        if (san != null) {
            gencert.addAll(List.of("-ext", san));
        }
        keytool(gencert.toArray(String[]::new));
        keytool("-importcert", "-alias", "ca", "-keystore", name + ".p12", "-file", "ca.pem", "-noprompt");
        keytool("-importcert", "-alias", name, "-keystore", name + ".p12", "-file", name + ".pem", "-noprompt");
    }

    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(Arrays.asList(args));
        command.addAll(List.of("-storepass", PASSWORD));
        ProcessRunner.run(command, Map.of(), dir, null, Duration.ofSeconds(60)).assertSuccess();
    }

    /**
     * The server's private key (PKCS#8, unencrypted) and certificate chain in one PEM file, as Kafka's
     * {@code ssl.keystore.type=PEM} reads it; written on first use.
     */
    public Path serverPem() {
        Path pem = dir.resolve("server-key-and-chain.pem");
        try (var in = Files.newInputStream(serverKeystore())) {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            java.util.Base64.Encoder b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            StringBuilder out = new StringBuilder("-----BEGIN PRIVATE KEY-----\n")
                    .append(b64.encodeToString(ks.getKey("server", PASSWORD.toCharArray()).getEncoded()))
                    .append("\n-----END PRIVATE KEY-----\n");
            for (java.security.cert.Certificate c : ks.getCertificateChain("server")) {
                out.append("-----BEGIN CERTIFICATE-----\n").append(b64.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            }
            Files.writeString(pem, out);
            return pem;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    public Path serverKeystore() {
        return dir.resolve("server.p12");
    }

    public Path clientKeystore() {
        return dir.resolve("client.p12");
    }

    public Path truststore() {
        return dir.resolve("truststore.p12");
    }
}
