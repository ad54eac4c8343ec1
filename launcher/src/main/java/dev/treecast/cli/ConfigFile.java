package dev.treecast.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.RecordComponent;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config FILE.yaml} for {@code treecast relay}, {@code ingest} and {@code demo}: one YAML file per process.
 *
 * <p>The flags are the single source of truth: every key is a long flag of the command without its dashes
 * ({@code http-port} is {@code --http-port}), with the flag's type, default and description. A file is read into a
 * record with one nullable component per key ({@link RelayFile}, {@link IngestFile}); a key the record does not have
 * is an error that names it, the file and the line, and lists the valid keys. Precedence: the flag's default, then
 * the file, then the flags actually given on the command line ({@link CommandLine.ParseResult#hasMatchedOption}).
 * {@link #template} renders every key with its default and description from the picocli model, which is how the
 * example files in {@code deploy/config/} and the README's tables are made (and tests hold them to it).
 */
final class ConfigFile {
    private ConfigFile() {
    }

    /** The file is unreadable or wrong; the message says where and why, for the operator. */
    static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message);
        }
    }

    /** Keys of {@code treecast relay}; null = not in the file. */
    record RelayFile(
            @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = HostPort.class)
            java.net.InetSocketAddress join,
            @com.fasterxml.jackson.databind.annotation.JsonDeserialize(contentUsing = HostPort.class)
            List<java.net.InetSocketAddress> parent,
            Double capacityMbps, Double streamMbps, Double margin, String region, String bind, Integer port,
            Integer webtransportPort, Boolean moqCertificatePort, Integer httpPort, String advertise, Path cert, Path key, char[] certPassword,
            String nodeId,
            @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = BroadcastKey.class)
            Converters.PublicKey broadcastKey,
            @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Verify.class)
            dev.treecast.relay.RelayConfig.Verify verify,
            Integer maxSessions, Integer handshakeTimeout,
            @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = OperatorKey.class)
            Converters.PublicKey operatorKey,
            String fleetToken, Boolean openViewers, Integer drainTimeout) {
    }

    /** Keys of {@code treecast ingest}; null = not in the file. */
    record IngestFile(String bind, Integer quicPort, Integer httpPort, String nodeId, String clip, String synthetic,
            @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = Bitrate.class)
            Long bitrate,
            Integer rootSlots, Integer viewerCapacity, String advertise, Path signingKey, Path operatorKeyFile,
            @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = OperatorKey.class)
            Converters.PublicKey operatorKey,
            Boolean openViewers) {
    }

    /** Keys of {@code treecast demo}; null = not in the file. */
    record DemoFile(List<Integer> relays, Integer viewers, String broadcast, String bind, Integer httpPort,
            Integer quicPort, Integer duration, String advertise, Integer viewerCapacity, Integer killEvery) {
    }

    /** Flags that are not keys: the file itself and picocli's own. */
    private static final java.util.Set<String> NOT_KEYS = java.util.Set.of("--config", "--help", "--version");

    private static final ObjectMapper YAML = JsonMapper.builder(YAMLFactory.builder().build())
            .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            // 4434.5 is not a port and "4434" is not a number: no silent truncation or coercion.
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    /** Reads {@code file} as {@code type}; every error names the file, and the key and line where known. */
    static <R extends Record> R read(Path file, Class<R> type) {
        try {
            R read = YAML.readValue(file.toFile(), type);
            if (read == null) { // an empty file: every key keeps its default
                read = YAML.readValue("{}", type);
            }
            return read;
        } catch (UnrecognizedPropertyException e) {
            throw new Invalid(String.format("%s, line %d: unknown key '%s'; the valid keys are: %s", file,
                    lineOfKey(file, e.getPropertyName(), line(e.getLocation())), e.getPropertyName(),
                    String.join(", ", keys(type))));
        } catch (JsonMappingException e) {
            String key = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                    : "[" + r.getIndex() + "]").collect(Collectors.joining(".")).replace(".[", "[");
            throw new Invalid(String.format("%s, line %d: %s%s", file, line(e.getLocation()),
                    key.isEmpty() ? "" : "key '" + key + "': ", plainly(file, e)));
        } catch (JsonProcessingException e) {
            throw new Invalid(String.format("%s, line %d: not valid YAML: %s", file, line(e.getLocation()),
                    firstLine(e.getOriginalMessage())));
        } catch (java.io.FileNotFoundException | NoSuchFileException e) {
            throw new Invalid(file + ": no such file");
        } catch (IOException e) {
            throw new Invalid(file + ": " + e.getMessage());
        }
    }

    /**
     * Sets every option of {@code spec} that the file has and the command line did not give. Options in an
     * argument group are left to the command (picocli builds a group's object only when one of its options is
     * matched); {@link #value} reads them.
     */
    static <R extends Record> R apply(CommandSpec spec, Path file, Class<R> type) {
        R read = read(file, type);
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        for (RecordComponent component : type.getRecordComponents()) {
            OptionSpec option = option(spec, component);
            Object value = value(read, component);
            if (value == null || option.group() != null || (given != null && given.hasMatchedOption(option))) {
                continue;
            }
            option.setValue(value);
        }
        return read;
    }

    /** The value of a key in a file read by {@link #read}, null when the file does not have it. */
    static Object value(Record read, String key) {
        for (RecordComponent component : read.getClass().getRecordComponents()) {
            if (key(component).equals(key)) {
                return value(read, component);
            }
        }
        throw new IllegalArgumentException("no key " + key + " in " + read.getClass().getSimpleName());
    }

    private static Object value(Record read, RecordComponent component) {
        try {
            return component.getAccessor().invoke(read);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keys of {@code type}, as a file spells them, in the record's order. */
    static List<String> keys(Class<? extends Record> type) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent component : type.getRecordComponents()) {
            keys.add(key(component));
        }
        return keys;
    }

    static String key(RecordComponent component) {
        return new PropertyNamingStrategies.KebabCaseStrategy().translate(component.getName());
    }

    /** The flag a key mirrors; a key without a flag is a programming error (ConfigFileTest checks all of them). */
    static OptionSpec option(CommandSpec spec, RecordComponent component) {
        OptionSpec option = spec.findOption("--" + key(component));
        if (option == null) {
            throw new IllegalStateException("config key " + key(component) + " has no flag --" + key(component));
        }
        return option;
    }

    /** The flags of {@code spec} that a file may set, i.e. all but --config, --help and --version. */
    static List<OptionSpec> keyedOptions(CommandSpec spec) {
        return spec.options().stream().filter(o -> !NOT_KEYS.contains(o.longestName())).toList();
    }

    /**
     * A complete config file for {@code type}: every key in the record's order with its default (null where the
     * flag has none) and the flag's description as a comment. Parsing it gives exactly the defaults.
     */
    static String template(String command, CommandSpec spec, Class<? extends Record> type) {
        StringBuilder out = new StringBuilder();
        out.append("# treecast ").append(command).append(" --config FILE.yaml, every key with its default.\n")
                .append("# Generated by 'treecast config ").append(command).append("' from the flags: each key is a")
                .append(" flag of 'treecast ").append(command).append("'\n")
                .append("# without its dashes, and that flag, when given, wins over the file. A key left out or")
                .append(" null keeps its default.\n# Unknown keys are rejected.\n");
        for (RecordComponent component : type.getRecordComponents()) {
            OptionSpec option = option(spec, component);
            out.append('\n');
            String text = flag(option) + ": " + String.join(" ", option.renderedDescription())
                    + (option.isMultiValue() ? " In this file: a YAML list ([A, B]) or a single value." : "");
            for (String line : wrap(text, 100 - 2)) {
                out.append("# ").append(line).append('\n');
            }
            out.append(key(component)).append(": ").append(yamlDefault(option)).append('\n');
        }
        return out.toString();
    }

    /**
     * The README table for {@code command}: key, default, flag. The flag column restates the rule (a key is its
     * flag without dashes) so that a reader looking up a flag finds it.
     */
    static String markdown(CommandSpec spec, Class<? extends Record> type) {
        StringBuilder out = new StringBuilder("| key | default | flag that overrides it | meaning |\n"
                + "|---|---|---|---|\n");
        for (RecordComponent component : type.getRecordComponents()) {
            OptionSpec option = option(spec, component);
            String value = yamlDefault(option);
            String meaning = String.join(" ", option.renderedDescription())
                    .replace(" (default: " + option.defaultValue() + ")", "").replace("|", "\\|");
            out.append("| `").append(key(component)).append("` | ")
                    .append(value.equals("null") ? "(none)" : "`" + value + "`").append(" | `")
                    .append(flag(option)).append("` | ").append(meaning).append(" |\n");
        }
        return out.toString();
    }

    /** {@code --handshake-timeout SECONDS}: the flag with the unit or form of its value, where it names one. */
    private static String flag(OptionSpec option) {
        String label = option.paramLabel();
        return option.arity().max() == 0 || label.startsWith("<") ? option.longestName()
                : option.longestName() + " " + label;
    }

    /** The flag's default as a YAML scalar: numbers and booleans plain, strings quoted, null when it has none. */
    static String yamlDefault(OptionSpec option) {
        Class<?> t = option.type();
        String value = option.defaultValue();
        if (value == null) {
            return t == boolean.class ? "false" : "null";
        }
        if (t.isPrimitive() || Number.class.isAssignableFrom(t) || t == Boolean.class) {
            return value;
        }
        if (option.isMultiValue() && option.auxiliaryTypes().length > 0
                && Number.class.isAssignableFrom(option.auxiliaryTypes()[0])) {
            return "[" + String.join(", ", value.split(option.splitRegex())) + "]";
        }
        try {
            StringWriter quoted = new StringWriter();
            new ObjectMapper().writeValue(quoted, value);
            return quoted.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split("\\s+")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /**
     * The line of top-level {@code key} in {@code file}. Jackson reports an unknown property of a record where it
     * stopped buffering, after the value, often on a later line; this finds the key itself.
     */
    private static int lineOfKey(Path file, String key, int otherwise) {
        try (JsonParser p = YAML.getFactory().createParser(file.toFile())) {
            for (com.fasterxml.jackson.core.JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && p.getParsingContext().getParent().inRoot()
                        && key.equals(p.currentName())) {
                    return p.currentTokenLocation().getLineNr();
                }
            }
        } catch (IOException e) {
            // the file parsed a moment ago; keep Jackson's line
        }
        return otherwise;
    }

    /** "expected a whole number, got 'four'" rather than Jackson's words about coercion configs. */
    private static String plainly(Path file, JsonMappingException e) {
        String expected = !(e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m)
                || m.getTargetType() == null ? null : switch (m.getTargetType().getName()) {
                    case "java.lang.Integer", "java.lang.Long", "int", "long" -> "a whole number";
                    case "java.lang.Double", "double" -> "a number";
                    case "java.lang.Boolean", "boolean" -> "true or false";
                    case "java.lang.String", "java.nio.file.Path", "[C" -> "a single value";
                    default -> null;
                };
        String got = null;
        try { // the value as written, from the file again: the parser has moved past it
            StringBuilder pointer = new StringBuilder();
            for (JsonMappingException.Reference r : e.getPath()) {
                pointer.append('/').append(r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()));
            }
            com.fasterxml.jackson.databind.JsonNode node = YAML.readTree(file.toFile()).at(pointer.toString());
            got = node.isValueNode() ? "'" + node.asText() + "'" : node.isArray() ? "a list"
                    : node.isObject() ? "a map" : null;
        } catch (IOException | RuntimeException ignored) {
            // keep Jackson's own words
        }
        return expected == null || got == null ? firstLine(e.getOriginalMessage()) : "expected " + expected + ", got "
                + got;
    }

    private static int line(JsonLocation location) {
        return location == null ? 0 : location.getLineNr();
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** A scalar parsed by one of the command line's own converters, so that a file and a flag accept the same. */
    private abstract static class ViaConverter<T> extends StdScalarDeserializer<T> {
        private final CommandLine.ITypeConverter<T> converter;

        ViaConverter(Class<?> type, CommandLine.ITypeConverter<T> converter) {
            super(type);
            this.converter = converter;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.currentToken().isScalarValue()) {
                return ctxt.reportInputMismatch(this, "expected a single value, got %s", p.currentToken());
            }
            String text = p.getText();
            try {
                return converter.convert(text);
            } catch (Exception e) {
                return ctxt.reportInputMismatch(this, "%s", e.getMessage());
            }
        }
    }

    static final class HostPort extends ViaConverter<java.net.InetSocketAddress> {
        HostPort() {
            super(java.net.InetSocketAddress.class, new Converters.HostPort());
        }
    }

    static final class BroadcastKey extends ViaConverter<Converters.PublicKey> {
        BroadcastKey() {
            super(Converters.PublicKey.class, new Converters.BroadcastKey());
        }
    }

    static final class OperatorKey extends ViaConverter<Converters.PublicKey> {
        OperatorKey() {
            super(Converters.PublicKey.class, new Converters.OperatorKey());
        }
    }

    static final class Verify extends ViaConverter<dev.treecast.relay.RelayConfig.Verify> {
        Verify() {
            super(dev.treecast.relay.RelayConfig.Verify.class, new RelayCommand.VerifyConverter());
        }
    }

    static final class Bitrate extends ViaConverter<Long> {
        Bitrate() {
            super(Long.class, new Converters.Bitrate());
        }
    }
}
