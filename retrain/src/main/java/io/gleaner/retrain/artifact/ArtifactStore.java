package io.gleaner.retrain.artifact;

import java.net.URI;
import java.nio.file.Path;

/**
 * Where model artifacts (a folder: parameters plus {@code manifest.json}) are kept, addressed by
 * URI: the registry stores the URI {@link #put} returns and scorers load from it. A store never
 * overwrites an artifact and never hands out a location outside itself: a key or URI that would
 * reach outside (a {@code ..} segment, an absolute path, a symbolic link leading out, another
 * scheme) is refused with an {@link IllegalArgumentException} that names it.
 *
 * <p>Writing goes through a local folder: {@link #stage} gives an empty one, the caller saves the
 * artifact there, and {@link #put} stores it whole. An implementation backed by an object store
 * (S3 and the like) would upload in {@code put} and download into a local cache in {@link #open}.
 */
public interface ArtifactStore {

    /**
     * The URI the artifact stored under {@code key} has, whether or not it is stored yet.
     *
     * @param key a relative path of plain names, e.g. {@code gleaner-driving/v3}
     * @throws IllegalArgumentException when the key is not such a path
     */
    URI resolve(String key);

    /**
     * An empty local folder to save the artifact for {@code key} into before {@link #put}.
     *
     * @throws IllegalArgumentException when the key is not a relative path of plain names
     */
    Path stage(String key);

    /**
     * Stores the finished artifact folder {@code source} (from {@link #stage}) under {@code key};
     * it is readable at the returned URI only once it is complete. Whatever was stored under the
     * key before (left by a run that crashed before registering it) is kept aside, not overwritten.
     *
     * @return the artifact's URI, as {@link #resolve} gives it
     * @throws IllegalArgumentException when the key is not a relative path of plain names
     * @throws java.io.UncheckedIOException when it cannot be stored
     */
    URI put(String key, Path source);

    /**
     * A local folder holding the artifact at {@code uri}, to read it from.
     *
     * @throws IllegalArgumentException when the URI is not in this store
     * @throws java.io.UncheckedIOException when nothing is stored there
     */
    Path open(URI uri);
}
