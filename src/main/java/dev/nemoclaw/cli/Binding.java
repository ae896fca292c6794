package dev.nemoclaw.cli;

import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;

/**
 * Where a hand-built option (see {@link RunCommand#model}) keeps its value: a field of the command
 * object, read and written through two lambdas instead of reflection.
 */
record Binding<V>(Supplier<V> read, Consumer<V> write) implements IGetter, ISetter {
  @Override
  @SuppressWarnings("unchecked")
  public <T> T get() {
    return (T) read.get();
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T set(T value) {
    T old = get();
    write.accept((V) value);
    return old;
  }
}
