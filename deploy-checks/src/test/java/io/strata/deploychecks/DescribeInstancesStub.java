package io.strata.deploychecks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A stand-in for the EC2 API's {@code DescribeInstances}, the one call Hazelcast's AWS discovery makes (its
 * {@code host-header} setting points it here). Answers the instances whose tag matches the request's
 * {@code tag-key}/{@code tag-value} filters, in the EC2 XML format; refuses requests not signed (SigV4) with the
 * instance role's access key, and records every request's filters. Thread-safe.
 */
final class DescribeInstancesStub implements AutoCloseable {

    /** A running instance and its tags. */
    record Ec2Instance(String instanceId, String privateIp, String availabilityZone, Map<String, String> tags) {
    }

    private final HttpServer server;
    private final List<Ec2Instance> instances;
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

    DescribeInstancesStub(String host, int port, List<Ec2Instance> instances) throws IOException {
        this.instances = List.copyOf(instances);
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The query parameters of every DescribeInstances request, oldest first. */
    List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            Map<String, String> q = query(x.getRequestURI().getRawQuery());
            String auth = x.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 Credential=" + InstanceMetadataStub.ACCESS_KEY + "/")) {
                InstanceMetadataStub.reply(x, 403, "<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>");
                return;
            }
            if (!"DescribeInstances".equals(q.get("Action"))) {
                InstanceMetadataStub.reply(x, 400, "<Response><Errors><Error><Code>InvalidAction</Code></Error></Errors></Response>");
                return;
            }
            requests.add(q);
            Map<String, String> filters = new LinkedHashMap<>();
            for (int i = 1; q.containsKey("Filter." + i + ".Name"); i++) {
                filters.put(q.get("Filter." + i + ".Name"), q.getOrDefault("Filter." + i + ".Value.1", ""));
            }
            List<Ec2Instance> matching = new ArrayList<>();
            for (Ec2Instance in : instances) {
                boolean ok = true;
                if (filters.containsKey("tag-key")) {
                    ok = in.tags().containsKey(filters.get("tag-key"));
                }
                if (filters.containsKey("tag-value")) {
                    ok &= in.tags().containsValue(filters.get("tag-value"));
                }
                for (Map.Entry<String, String> f : filters.entrySet()) {
                    if (f.getKey().startsWith("tag:")) {
                        ok &= f.getValue().equals(in.tags().get(f.getKey().substring(4)));
                    }
                }
                if (ok) {
                    matching.add(in);
                }
            }
            byte[] body = xml(matching).getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "text/xml;charset=UTF-8");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
        }
    }

    private static String xml(List<Ec2Instance> instances) {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                + "<requestId>00000000-0000-0000-0000-000000000000</requestId><reservationSet>");
        for (Ec2Instance in : instances) {
            b.append("<item><reservationId>r-").append(in.instanceId()).append("</reservationId><instancesSet><item>")
                    .append("<instanceId>").append(in.instanceId()).append("</instanceId>")
                    .append("<instanceState><code>16</code><name>running</name></instanceState>")
                    .append("<privateIpAddress>").append(in.privateIp()).append("</privateIpAddress>")
                    .append("<placement><availabilityZone>").append(in.availabilityZone()).append("</availabilityZone></placement>")
                    .append("<tagSet>");
            in.tags().forEach((k, v) -> b.append("<item><key>").append(k).append("</key><value>").append(v).append("</value></item>"));
            b.append("</tagSet></item></instancesSet></item>");
        }
        return b.append("</reservationSet></DescribeInstancesResponse>").toString();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            q.put(k, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
