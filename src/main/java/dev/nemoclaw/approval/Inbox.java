package dev.nemoclaw.approval;

import dev.nemoclaw.spec.Values;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The approval inbox of one running sandbox: requests its policy does not cover wait here for an
 * operator (CONTRACT §5, docs/approvals.md). Thread-safe; knows nothing of sockets or the proxy.
 *
 * <p>{@link #submit} answers at once when a session grant or denial covers the request (same
 * sandbox, kind, host, port and binary; each use of a limited grant spends one; expired and
 * spent grants vanish). Otherwise the request is held: identical requests coalesce into one
 * {@link Pending} item whose hit count grows, and all of them are answered together by the one
 * decision on it, or denied when nobody decides within {@code approvalTimeout} (decider channel
 * {@code timeout}). In {@code ci} mode nothing is held: every request is denied at once (channel
 * {@code ci}).
 *
 * <p>{@link #decide} is atomic: of concurrent decisions on one item exactly one wins, the others
 * get {@link DecideResult.AlreadyDecided} with the winner's verdict and decider. {@code always}
 * and {@code deny-always} first call the {@link PolicyWriter}; when it fails the item stays
 * pending and nothing changes. Listeners get {@link InboxEvent}s in the order things happened,
 * never while the inbox's lock is held, so they may call back into it.
 */
public final class Inbox implements AutoCloseable {
  /** How many decided items are remembered, to answer a late decision with AlreadyDecided. */
  static final int RECENT = 512;

  static final String SSRF_WARNING = "This destination is loopback, private, link-local or cloud"
      + " metadata: allowing it lets the agent reach services on the host's own networks."
      + " It can only be decided on its own.";

  private final Duration timeout;
  private final boolean ci;
  private final PolicyWriter writer;
  private final Clock clock;
  private final Scheduler scheduler;
  private final ScheduledExecutorService ownedExecutor;
  // made on the first held request: most runs never hold one, and SecureRandom costs start-up time
  private volatile SecureRandom random;

  private final ReentrantLock state = new ReentrantLock();
  // guarded by state:
  private final LinkedHashMap<String, Item> pending = new LinkedHashMap<>();
  private final Map<ApprovalRequest.Key, Item> byKey = new HashMap<>();
  private final LinkedHashMap<String, Item> recent = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Item> eldest) {
      return size() > RECENT;
    }
  };
  private final Map<ApprovalRequest.Key, GrantState> grants = new HashMap<>();
  private boolean closed;

  private final List<Consumer<InboxEvent>> listeners = new CopyOnWriteArrayList<>();
  /** Filled under {@code state}, so in the order things happened; emptied by {@link #drain}. */
  private final ConcurrentLinkedQueue<InboxEvent> events = new ConcurrentLinkedQueue<>();
  private final ReentrantLock delivering = new ReentrantLock();

  /**
   * With the system clock and a daemon thread of its own for timeouts (stopped by
   * {@link #close}).
   *
   * @param approvalTimeout {@code network.approvalTimeout}: held longer than this, denied
   * @param ci {@code run --ci}: never hold, deny what no grant covers
   * @param writer persists {@code always} and {@code deny-always} decisions
   */
  public Inbox(Duration approvalTimeout, boolean ci, PolicyWriter writer) {
    this(approvalTimeout, ci, writer, Clock.systemUTC(), null, newExecutor());
  }

  /** With an injected clock and scheduler (tests drive both). */
  public Inbox(Duration approvalTimeout, boolean ci, PolicyWriter writer, Clock clock,
      Scheduler scheduler) {
    this(approvalTimeout, ci, writer, clock, Objects.requireNonNull(scheduler, "scheduler"),
        null);
  }

  private Inbox(Duration approvalTimeout, boolean ci, PolicyWriter writer, Clock clock,
      Scheduler scheduler, ScheduledExecutorService owned) {
    Objects.requireNonNull(approvalTimeout, "approvalTimeout");
    if (approvalTimeout.isNegative() || approvalTimeout.isZero()) {
      throw new IllegalArgumentException("approvalTimeout must be positive, not "
          + approvalTimeout);
    }
    this.timeout = approvalTimeout;
    this.ci = ci;
    this.writer = Objects.requireNonNull(writer, "writer");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.ownedExecutor = owned;
    this.scheduler = scheduler != null ? scheduler : Scheduler.of(owned);
  }

  private static ScheduledExecutorService newExecutor() {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nemoclaw-approval-timeouts");
      t.setDaemon(true);
      return t;
    });
  }

  public Duration approvalTimeout() {
    return timeout;
  }

  public boolean ci() {
    return ci;
  }

  /** Unsubscribes; never throws. */
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  /** Calls {@code listener} with every later event, from whichever thread caused it. */
  public Subscription listen(Consumer<InboxEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * Answers {@code request}: at once from a session grant or denial, or at once in {@code ci}
   * mode, or when the item it is held in is decided or times out. The stage never completes
   * exceptionally.
   */
  public CompletionStage<Resolution> submit(ApprovalRequest request) {
    Objects.requireNonNull(request, "request");
    Instant now = clock.instant();
    if (ci) {
      return CompletableFuture.completedFuture(ciDenial(request, now));
    }
    CompletableFuture<Resolution> f = new CompletableFuture<>();
    Resolution immediate = null;
    state.lock();
    try {
      ApprovalRequest.Key key = request.key();
      ApprovalRequest.Key holdKey = request.holdKey();
      GrantState g = closed ? null : liveGrant(key, now);
      if (closed) {
        immediate = new Resolution(false, new Verdict.Deny(), stopDecider(now), Optional.empty(),
            "approval inbox closed", "The sandbox is stopping, so " + request.destination()
            + " is refused.", "");
      } else if (g != null) {
        immediate = g.use(request);
        if (g.spent()) {
          grants.remove(key);
        }
      } else {
        Item item = byKey.get(holdKey);
        if (item != null) {
          item.hits++;
          item.waiters.add(f);
          events.add(new InboxEvent.Updated(item.snapshot()));
        } else {
          Item it = new Item(newId(), request, key, now, now.plus(timeout));
          it.hits = 1;
          it.waiters.add(f);
          pending.put(it.id, it);
          byKey.put(holdKey, it);
          events.add(new InboxEvent.New(it.snapshot()));
          it.timer = scheduler.schedule(timeout, () -> expire(it));
        }
      }
    } finally {
      state.unlock();
    }
    drain();
    if (immediate != null) {
      f.complete(immediate);
    }
    return f;
  }

  /** Pending items, newest first. */
  public List<Pending> pending() {
    state.lock();
    try {
      List<Pending> out = new ArrayList<>(pending.size());
      pending.values().forEach(i -> out.add(i.snapshot()));
      return out.reversed();
    } finally {
      state.unlock();
    }
  }

  /** One pending item. */
  public Optional<Pending> pending(String id) {
    state.lock();
    try {
      return Optional.ofNullable(pending.get(id)).map(Item::snapshot);
    } finally {
      state.unlock();
    }
  }

  /** Session grants and denials in force now (expired ones are dropped first). */
  public List<Grant> grants() {
    Instant now = clock.instant();
    state.lock();
    try {
      grants.values().removeIf(g -> g.expired(now) || g.spent());
      return grants.values().stream().map(GrantState::snapshot).toList();
    } finally {
      state.unlock();
    }
  }

  /**
   * Decides one item. Exactly one of concurrent decisions wins; see {@link DecideResult} for the
   * rest. {@code always} and {@code deny-always} persist through the {@link PolicyWriter} first
   * (with this item held, so a concurrent decision waits for the outcome).
   */
  public DecideResult decide(String id, Verdict verdict, Decider decider) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(decider, "decider");
    Item item = find(id);
    if (item == null) {
      return new DecideResult.NotFound(id);
    }
    item.deciding.lock();
    try {
      state.lock();
      try {
        if (item.verdict != null) {
          return new DecideResult.AlreadyDecided(id, item.verdict, item.decider);
        }
      } finally {
        state.unlock();
      }
      if (verdict instanceof Verdict.AllowAlways || verdict instanceof Verdict.DenyAlways) {
        try {
          writer.persist(item.request, verdict.allows(), decider);
        } catch (Exception e) {
          state.lock();
          try {
            return new DecideResult.PersistFailed(item.snapshot(), e);
          } finally {
            state.unlock();
          }
        }
      }
      return settle(item, verdict, decider, false);
    } finally {
      item.deciding.unlock();
    }
  }

  /**
   * Decides every pending item the same way, newest first, except SSRF-class ones, which come
   * back as {@link DecideResult.BulkRefused} and stay pending.
   */
  public List<DecideResult> decideAll(Verdict verdict, Decider decider) {
    List<DecideResult> out = new ArrayList<>();
    for (Pending p : pending()) {
      out.add(p.request().ssrfClass() ? new DecideResult.BulkRefused(p)
          : decide(p.id(), verdict, decider));
    }
    return out;
  }

  /** Denies everything still pending (decider channel {@code stop}); later submits are denied. */
  @Override
  public void close() {
    List<Item> items;
    state.lock();
    try {
      closed = true;
      items = List.copyOf(pending.values());
    } finally {
      state.unlock();
    }
    for (Item item : items) {
      item.deciding.lock();
      try {
        settle(item, new Verdict.Deny(), stopDecider(clock.instant()), true);
      } finally {
        item.deciding.unlock();
      }
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
  }

  private void expire(Item item) {
    item.deciding.lock();
    try {
      settle(item, new Verdict.Deny(), new Decider(Decider.NEMOCLAW, "timeout", clock.instant()),
          true);
    } finally {
      item.deciding.unlock();
    }
  }

  private Item find(String id) {
    state.lock();
    try {
      Item i = pending.get(id);
      return i != null ? i : recent.get(id);
    } finally {
      state.unlock();
    }
  }

  /** Takes the decision; the caller holds {@code item.deciding}. */
  private DecideResult settle(Item item, Verdict verdict, Decider decider, boolean expired) {
    List<CompletableFuture<Resolution>> waiters;
    Pending snap;
    state.lock();
    try {
      if (item.verdict != null) {
        return new DecideResult.AlreadyDecided(item.id, item.verdict, item.decider);
      }
      item.verdict = verdict;
      item.decider = decider;
      pending.remove(item.id);
      byKey.remove(item.request.holdKey(), item);
      recent.put(item.id, item);
      if (item.timer != null) {
        item.timer.cancel();
      }
      Instant now = clock.instant();
      switch (verdict) {
        case Verdict.AllowSession s -> grants.put(item.key, new GrantState(item, true, verdict,
            decider, s.ttl().map(now::plus), s.uses()));
        case Verdict.AllowAlways a -> grants.put(item.key, new GrantState(item, true, verdict,
            decider, Optional.empty(), OptionalInt.empty()));
        case Verdict.DenyAlways d -> grants.put(item.key, new GrantState(item, false, verdict,
            decider, Optional.empty(), OptionalInt.empty()));
        case Verdict.AllowOnce o -> { }
        case Verdict.Deny d -> { }
      }
      waiters = List.copyOf(item.waiters);
      item.waiters.clear();
      snap = item.snapshot();
      events.add(expired ? new InboxEvent.Expired(snap, decider)
          : new InboxEvent.Decided(snap, verdict, decider));
    } finally {
      state.unlock();
    }
    Resolution r = resolution(item, verdict, decider);
    waiters.forEach(w -> w.complete(r));
    drain();
    return new DecideResult.Decided(snap, verdict, decider);
  }

  /** Delivers queued events in order; one thread at a time, re-checking after letting go. */
  private void drain() {
    while (!events.isEmpty()) {
      if (!delivering.tryLock()) {
        return;
      }
      try {
        InboxEvent e;
        while ((e = events.poll()) != null) {
          for (Consumer<InboxEvent> l : listeners) {
            try {
              l.accept(e);
            } catch (RuntimeException ignored) {
              // a broken listener must not break the inbox or the other listeners
            }
          }
        }
      } finally {
        delivering.unlock();
      }
    }
  }

  private GrantState liveGrant(ApprovalRequest.Key key, Instant now) {
    GrantState g = grants.get(key);
    if (g != null && (g.expired(now) || g.spent())) {
      grants.remove(key);
      return null;
    }
    return g;
  }

  private String newId() {
    HexFormat hex = HexFormat.of();
    byte[] b = new byte[3];
    if (random == null) {
      random = new SecureRandom(); // two racing callers may each make one: harmless
    }
    while (true) {
      random.nextBytes(b);
      String id = hex.formatHex(b);
      if (!pending.containsKey(id) && !recent.containsKey(id)) {
        return id;
      }
    }
  }

  private static Decider stopDecider(Instant now) {
    return new Decider(Decider.NEMOCLAW, "stop", now);
  }

  private Resolution ciDenial(ApprovalRequest r, Instant now) {
    return new Resolution(false, new Verdict.Deny(), new Decider(Decider.NEMOCLAW, "ci", now),
        Optional.empty(), "network.unknown: ask (--ci)", "No rule covers " + r.destination()
        + ", and in --ci mode nothing is asked, so it is refused.",
        "add " + r.ruleText() + " to network.allow in agent.yaml");
  }

  private Resolution resolution(Item item, Verdict v, Decider d) {
    ApprovalRequest r = item.request;
    String dest = r.destination();
    Optional<String> id = Optional.of(item.id);
    String rule = "approval " + item.id;
    String allowHint = "add " + r.ruleText() + " to network.allow in agent.yaml, or ask the"
        + " operator to allow it";
    return switch (d.channel()) {
      case "timeout" -> new Resolution(false, v, d, id, rule, "No decision on " + dest
          + " within " + human(timeout) + " (network.approvalTimeout), so it is refused.",
          "decide in time (nemoclaw term, or nemoclaw approvals approve ID), raise"
          + " network.approvalTimeout, or " + allowHint);
      case "stop" -> new Resolution(false, v, d, id, rule, "The sandbox is stopping, so the"
          + " pending request for " + dest + " is refused.", "");
      default -> switch (v) {
        case Verdict.AllowOnce o -> new Resolution(true, v, d, id, rule, dest
            + " was allowed once by " + d.describe() + ".", "");
        case Verdict.AllowSession s -> new Resolution(true, v, d, id, rule, dest
            + " was allowed for this session by " + d.describe() + ".", "");
        case Verdict.AllowAlways a -> new Resolution(true, v, d, id, rule, dest
            + " was allowed always by " + d.describe() + " (a policy revision was written).",
            "");
        case Verdict.Deny n -> new Resolution(false, v, d, id, rule, dest + " was denied by "
            + d.describe() + ".", allowHint);
        case Verdict.DenyAlways n -> new Resolution(false, v, d, id, rule, dest
            + " was denied always by " + d.describe() + " (a deny rule was added to the"
            + " policy).", "see nemoclaw policy history " + r.sandbox()
            + "; nemoclaw policy rollback undoes it");
      };
    };
  }

  static String human(Duration d) {
    return Values.format(d);
  }

  /** One held item; mutable fields are guarded by {@code state}. */
  private final class Item {
    final String id;
    final ApprovalRequest request;
    final ApprovalRequest.Key key;
    final Instant createdAt;
    final Instant expiresAt;
    /** Held while deciding (with persisting): makes decisions on this item one at a time. */
    final ReentrantLock deciding = new ReentrantLock();
    final List<CompletableFuture<Resolution>> waiters = new ArrayList<>();
    int hits;
    Verdict verdict;
    Decider decider;
    Scheduler.Cancellable timer;

    Item(String id, ApprovalRequest request, ApprovalRequest.Key key, Instant createdAt,
        Instant expiresAt) {
      this.id = id;
      this.request = request;
      this.key = key;
      this.createdAt = createdAt;
      this.expiresAt = expiresAt;
    }

    Pending snapshot() {
      return new Pending(id, request, hits, createdAt, expiresAt,
          request.ssrfClass() ? Optional.of(SSRF_WARNING) : Optional.empty());
    }
  }

  /** A grant or denial in force; {@code usesLeft} counts down. Guarded by {@code state}. */
  private static final class GrantState {
    final String approval;
    final ApprovalRequest request;
    final boolean allow;
    final Verdict verdict;
    final Decider decider;
    final Optional<Instant> expiresAt;
    int usesLeft;
    final boolean limited;

    GrantState(Item item, boolean allow, Verdict verdict, Decider decider,
        Optional<Instant> expiresAt, OptionalInt uses) {
      this.approval = item.id;
      this.request = item.request;
      this.allow = allow;
      this.verdict = verdict;
      this.decider = decider;
      this.expiresAt = expiresAt;
      this.limited = uses.isPresent();
      this.usesLeft = uses.orElse(0);
    }

    boolean expired(Instant now) {
      return expiresAt.isPresent() && !now.isBefore(expiresAt.get());
    }

    boolean spent() {
      return limited && usesLeft <= 0;
    }

    Resolution use(ApprovalRequest r) {
      if (limited) {
        usesLeft--;
      }
      Optional<String> id = Optional.of(approval);
      if (allow) {
        String left = limited ? " (" + usesLeft + " use" + (usesLeft == 1 ? "" : "s") + " left)"
            : "";
        return new Resolution(true, verdict, decider, id, "session grant " + approval,
            r.destination() + " is allowed by a session grant from " + decider.describe()
            + left + ".", "");
      }
      return new Resolution(false, verdict, decider, id, "session denial " + approval,
          r.destination() + " is refused: " + decider.describe() + " denied it always.",
          "see nemoclaw policy history " + r.sandbox() + "; nemoclaw policy rollback undoes it");
    }

    Grant snapshot() {
      return new Grant(approval, request.kind(), request.host(), request.port(),
          request.binary(), allow, verdict, decider, expiresAt,
          limited ? OptionalInt.of(usesLeft) : OptionalInt.empty());
    }
  }
}
