package io.strata.ingest.http.common;

import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The request content types ({@code @Consumes}) of the node's HTTP endpoints, by path and method, so that a 415 can
 * name what the endpoint takes: the framework rejects a wrong Content-Type while routing, before any endpoint is
 * chosen. Built once from the resource classes (CDI beans with {@code @Path}); the annotations stay the only source.
 *
 * <p>Immutable after construction; thread-safe.
 */
final class ConsumedTypes {

    private record Endpoint(Pattern path, String httpMethod, List<String> types) {
    }

    private static final Pattern PARAMETER = Pattern.compile("\\{\\s*\\w[\\w.-]*\\s*(?::\\s*((?:[^{}]|\\{[^{}]*})+))?}");
    private static volatile ConsumedTypes instance;

    private final List<Endpoint> endpoints;

    private ConsumedTypes(List<Endpoint> endpoints) {
        this.endpoints = endpoints;
    }

    static ConsumedTypes get() {
        ConsumedTypes current = instance;
        if (current == null) {
            List<Endpoint> found = new ArrayList<>();
            for (Bean<?> bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
                Class<?> type = bean.getBeanClass();
                if (type.isAnnotationPresent(Path.class)) {
                    addEndpoints(type, found);
                }
            }
            current = new ConsumedTypes(List.copyOf(found));
            instance = current;
        }
        return current;
    }

    /** The types the endpoint at this path and method takes; empty when unknown. */
    List<String> forRequest(String path, String httpMethod) {
        Set<String> types = new LinkedHashSet<>();
        String normalized = path.startsWith("/") ? path : "/" + path;
        for (Endpoint e : endpoints) {
            if (e.httpMethod().equalsIgnoreCase(httpMethod) && e.path().matcher(normalized).matches()) {
                types.addAll(e.types());
            }
        }
        return List.copyOf(types);
    }

    private static void addEndpoints(Class<?> type, List<Endpoint> out) {
        String base = type.getAnnotation(Path.class).value();
        Consumes classTypes = type.getAnnotation(Consumes.class);
        for (Method method : type.getMethods()) {
            String httpMethod = httpMethod(method);
            if (httpMethod == null) {
                continue;
            }
            Consumes consumes = method.isAnnotationPresent(Consumes.class) ? method.getAnnotation(Consumes.class) : classTypes;
            if (consumes == null) {
                continue;
            }
            Path sub = method.getAnnotation(Path.class);
            String template = join(base, sub == null ? "" : sub.value());
            out.add(new Endpoint(toPattern(template), httpMethod, Arrays.asList(consumes.value())));
        }
    }

    private static String httpMethod(Method method) {
        for (Annotation a : method.getAnnotations()) {
            HttpMethod m = a.annotationType().getAnnotation(HttpMethod.class);
            if (m != null) {
                return m.value();
            }
        }
        return null;
    }

    private static String join(String base, String sub) {
        String path = "/" + trimSlashes(base) + (sub.isEmpty() ? "" : "/" + trimSlashes(sub));
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String trimSlashes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '/') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '/') {
            to--;
        }
        return s.substring(from, to);
    }

    /** A JAX-RS path template as a regex: {@code {name}} is one segment, {@code {name: regex}} its regex. */
    static Pattern toPattern(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher m = PARAMETER.matcher(template);
        int last = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(last, m.start())));
            regex.append('(').append(m.group(1) == null ? "[^/]+" : m.group(1).trim()).append(')');
            last = m.end();
        }
        regex.append(Pattern.quote(template.substring(last))).append("/?");
        return Pattern.compile(regex.toString());
    }
}
