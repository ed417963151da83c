package dev.zerocopy.micrometer;

import dev.zerocopy.FallbackCode;
import dev.zerocopy.PoolFigures;
import dev.zerocopy.TransferCounters;
import dev.zerocopy.ViewPool;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A Micrometer binder for zerocopy's process-wide {@link TransferCounters} and for the
 * {@link ViewPool}s named with {@link #withPool}. Its meters:
 * <ul>
 *   <li>{@code zerocopy.bytes} (counter, bytes), tag {@code mode}: {@code zero_copy} or
 *       {@code copy}: the bytes file transfers moved each way;
 *   <li>{@code zerocopy.fallbacks} (counter), tag {@code reason}: a {@link FallbackCode}'s
 *       name: the file transfers that ran the copy loop for that reason;
 *   <li>{@code zerocopy.transfers} (counter), tag {@code outcome}: {@code started},
 *       {@code completed} or {@code failed};
 *   <li>{@code zerocopy.transfers.active} (gauge): file transfers started and not ended;
 *   <li>{@code zerocopy.waits} (counter): waits for a channel's readiness;
 *   <li>{@code zerocopy.timeouts} (counter): transfers of any kind, in any driver, that a
 *       timeout or an idle timeout ended;
 *   <li>{@code zerocopy.cancellations} (counter): Kotlin adapter transfers that the
 *       cancellation of their coroutine ended;
 *   <li>for each named pool, tag {@code pool}: {@code zerocopy.pool.bytes} (gauge, bytes,
 *       tag {@code state}: {@code held} or {@code idle}), {@code zerocopy.pool.max} (gauge,
 *       bytes), {@code zerocopy.pool.views.out} (gauge), and the counters
 *       {@code zerocopy.pool.misses}, {@code zerocopy.pool.waits} and {@code zerocopy.pool.leaks}.
 * </ul>
 * Every meter also carries the common tags given to the constructor.
 *
 * <p>The meters read the counters when the registry asks for them; binding adds nothing to
 * a transfer's cost. The counters are per process, so bind one such binder per registry.
 * Immutable and thread-safe; a pool's meters hold it weakly, as Micrometer's gauges do.
 */
public final class ZeroCopyMetrics implements MeterBinder {

    /**
     * What the process-wide counters' meters hold. Micrometer holds a function counter's
     * object weakly and freezes the meter once it is collected; the binder itself would be,
     * since it is usually bound and dropped.
     */
    private static final Object PROCESS = new Object();

    private final Tags tags;
    private final Map<String, ViewPool> pools;

    /** Creates a binder whose meters carry no extra tags and no pool figures. */
    public ZeroCopyMetrics() {
        this(Tags.empty(), Map.of());
    }

    /**
     * Creates a binder whose meters carry {@code tags} besides their own.
     *
     * @param tags common tags, for instance the application's name
     */
    public ZeroCopyMetrics(Iterable<Tag> tags) {
        this(Tags.of(tags), Map.of());
    }

    private ZeroCopyMetrics(Tags tags, Map<String, ViewPool> pools) {
        this.tags = tags;
        this.pools = pools;
    }

    /**
     * Returns a binder that also exposes {@code pool}'s figures, tagged {@code pool=name}.
     *
     * @param name the pool's tag value, unique among this binder's pools
     * @param pool the pool
     * @return a new binder; this one is unchanged
     * @throws IllegalArgumentException if a pool of that name was added already
     */
    public ZeroCopyMetrics withPool(String name, ViewPool pool) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pool, "pool");
        if (pools.containsKey(name)) {
            throw new IllegalArgumentException("a pool named " + name + " was added already");
        }
        Map<String, ViewPool> more = new LinkedHashMap<>(pools);
        more.put(name, pool);
        return new ZeroCopyMetrics(tags, Map.copyOf(more));
    }

    /**
     * Registers the meters listed in the class doc with {@code registry}.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "zerocopy.bytes", "Bytes file transfers moved, by mode", BaseUnits.BYTES,
                Tags.of("mode", "zero_copy"), TransferCounters::zeroCopiedBytes);
        counter(registry, "zerocopy.bytes", "Bytes file transfers moved, by mode", BaseUnits.BYTES,
                Tags.of("mode", "copy"), TransferCounters::copiedBytes);
        for (FallbackCode code : FallbackCode.values()) {
            counter(registry, "zerocopy.fallbacks", "File transfers that ran the copy loop, by reason", null,
                    Tags.of("reason", code.name()), counters -> counters.fallbacks(code));
        }
        counter(registry, "zerocopy.transfers", "File transfers, by outcome", null,
                Tags.of("outcome", "started"), TransferCounters::started);
        counter(registry, "zerocopy.transfers", "File transfers, by outcome", null,
                Tags.of("outcome", "completed"), TransferCounters::completed);
        counter(registry, "zerocopy.transfers", "File transfers, by outcome", null,
                Tags.of("outcome", "failed"), TransferCounters::failed);
        Gauge.builder("zerocopy.transfers.active", () -> TransferCounters.snapshot().active())
                .description("File transfers started and not yet ended")
                .tags(tags)
                .strongReference(true)
                .register(registry);
        counter(registry, "zerocopy.waits", "Waits for a channel's readiness", null, Tags.empty(),
                TransferCounters::waits);
        counter(registry, "zerocopy.timeouts", "Transfers ended by a timeout or an idle timeout", null,
                Tags.empty(), TransferCounters::timeouts);
        counter(registry, "zerocopy.cancellations", "Kotlin adapter transfers ended by their coroutine's cancellation",
                null, Tags.empty(), TransferCounters::cancellations);
        pools.forEach((name, pool) -> bindPool(registry, name, pool));
    }

    private void counter(MeterRegistry registry, String name, String description, String unit, Tags own,
            ToLongFunction<TransferCounters> read) {
        FunctionCounter.builder(name, PROCESS, process -> read.applyAsLong(TransferCounters.snapshot()))
                .description(description)
                .baseUnit(unit)
                .tags(tags.and(own))
                .register(registry);
    }

    private void bindPool(MeterRegistry registry, String name, ViewPool pool) {
        Tags poolTags = tags.and("pool", name);
        gauge(registry, "zerocopy.pool.bytes", poolTags.and("state", "held"), pool, PoolFigures::bytesHeld);
        gauge(registry, "zerocopy.pool.bytes", poolTags.and("state", "idle"), pool, PoolFigures::bytesIdle);
        gauge(registry, "zerocopy.pool.max", poolTags, pool, PoolFigures::maxBytes);
        gauge(registry, "zerocopy.pool.views.out", poolTags, pool, PoolFigures::viewsOut);
        poolCounter(registry, "zerocopy.pool.misses", poolTags, pool, PoolFigures::misses);
        poolCounter(registry, "zerocopy.pool.waits", poolTags, pool, PoolFigures::waits);
        poolCounter(registry, "zerocopy.pool.leaks", poolTags, pool, PoolFigures::leaks);
    }

    private static void gauge(MeterRegistry registry, String name, Tags tags, ViewPool pool,
            ToLongFunction<PoolFigures> read) {
        ToDoubleFunction<ViewPool> value = p -> read.applyAsLong(p.figures());
        Gauge.builder(name, pool, value)
                .description("A view pool's " + name.substring("zerocopy.pool.".length()).replace('.', ' '))
                .baseUnit(name.endsWith("views.out") ? null : BaseUnits.BYTES)
                .tags(tags)
                .register(registry);
    }

    private static void poolCounter(MeterRegistry registry, String name, Tags tags, ViewPool pool,
            ToLongFunction<PoolFigures> read) {
        FunctionCounter.builder(name, pool, p -> read.applyAsLong(p.figures()))
                .description("A view pool's " + name.substring("zerocopy.pool.".length()).toLowerCase(Locale.ROOT))
                .tags(tags)
                .register(registry);
    }
}
