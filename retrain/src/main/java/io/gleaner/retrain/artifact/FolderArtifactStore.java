package io.gleaner.retrain.artifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link ArtifactStore} in a folder of the local (or a shared, mounted) file system; its URIs
 * are absolute {@code file:} URIs of folders under the root, which the scorers load as they are.
 *
 * <p>Containment is checked twice: lexically (no {@code .} or {@code ..} segment, the path under
 * the root) and on the real path (after following symbolic links, still under the root's real
 * path), so a link planted inside the store cannot lead a load or a write outside it. Artifacts are
 * staged in {@code <root>/.staging/} and moved into place with one rename, so a reader never sees a
 * half-written artifact; keys cannot start with a dot, so none can name the staging folder.
 */
public final class FolderArtifactStore implements ArtifactStore {
    private static final Logger LOG = LoggerFactory.getLogger(FolderArtifactStore.class);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final int MAX_KEY = 512;
    private static final String STAGING = ".staging";

    private final Path root;

    /**
     * @param root the store's folder; created when missing
     * @throws UncheckedIOException when it cannot be created
     */
    public FolderArtifactStore(Path root) {
        Objects.requireNonNull(root, "root");
        try {
            Files.createDirectories(root);
            // The real path: every containment check compares real paths with it.
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the artifact store folder " + root
                    + "; check --models-dir and its permissions", e);
        }
    }

    /** The store's folder, as a real path. */
    public Path root() {
        return root;
    }

    @Override
    public URI resolve(String key) {
        return pathOf(key).toUri();
    }

    @Override
    public Path stage(String key) {
        pathOf(key);
        Path staged = root.resolve(STAGING).resolve(key.replace('/', '_') + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(staged);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging folder for artifact " + key + " at " + staged, e);
        }
        return staged;
    }

    @Override
    public URI put(String key, Path source) {
        Path target = pathOf(key);
        try {
            Files.createDirectories(target.getParent());
            requireInside(target.getParent().toRealPath(), "artifact key '" + key + "'");
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Path aside = target.resolveSibling(target.getFileName() + ".abandoned-" + System.currentTimeMillis());
                Files.move(target, aside);
                LOG.warn("{} held an artifact no registry row names (a crashed run?); moved it to {}", target, aside);
            }
            try {
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(source, target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store artifact " + key + " from " + source + " at " + target
                    + ": " + e.getMessage(), e);
        }
        return target.toUri();
    }

    @Override
    public Path open(URI uri) {
        Path path = pathOf(uri);
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException("no artifact is stored at " + uri + " (" + path + " does not exist);"
                    + " check that this instance sees the same --models-dir as the one that saved it", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the artifact at " + uri + ": " + e.getMessage(), e);
        }
        requireInside(real, "artifact URI " + uri);
        return real;
    }

    /** The path a key names, refused unless it is a relative path of plain names. */
    private Path pathOf(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY) {
            throw new IllegalArgumentException("artifact key '" + key + "' refused: it must be a relative path of 1 .. "
                    + MAX_KEY + " characters, e.g. gleaner-driving/v3");
        }
        for (String name : key.split("/", -1)) {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("artifact key '" + key + "' refused: '" + name + "' is not a plain"
                        + " name (letters, digits, '.', '_', '-', not starting with '.'); keys are relative paths"
                        + " inside the store, never '..' or absolute");
            }
        }
        return root.resolve(key);
    }

    /** The path a URI names, refused unless it is a {@code file:} URI lexically under the root. */
    private Path pathOf(URI uri) {
        Objects.requireNonNull(uri, "uri");
        if (!"file".equals(uri.getScheme()) || uri.isOpaque() || uri.getRawAuthority() != null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("artifact URI " + uri + " refused: this store holds only file: URIs"
                    + " without host, query or fragment under " + root.toUri());
        }
        Path path;
        try {
            path = Path.of(uri);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("artifact URI " + uri + " refused: it is not a usable path ("
                    + e.getMessage() + ")", e);
        }
        for (Path name : path) {
            if (name.toString().equals("..") || name.toString().equals(".")) {
                throw new IllegalArgumentException("artifact URI " + uri + " refused: it has a '" + name
                        + "' segment; artifact URIs name their folder directly");
            }
        }
        requireInside(path, "artifact URI " + uri);
        return path;
    }

    private void requireInside(Path path, String what) {
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException(what + " refused: " + path + " is outside the artifact store " + root
                    + " (symbolic links are followed before this check)");
        }
    }
}
