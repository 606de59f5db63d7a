// The registry without sockets: handles share their value, labels are a set,
// histograms bucket by "less or equal", callbacks are read at snapshot time
// and gone with their handle, and what Prometheus would refuse is refused.
#include "mesoshttp/metrics.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using mesoshttp::metric_labels;
using mesoshttp::metric_type;
using mesoshttp::metrics_registry;

TEST(MetricsRegistry, SameNameAndLabelsShareOneValueWhateverTheLabelOrder) {
  metrics_registry r;
  auto a = r.counter("jobs_total", "Jobs", {{"queue", "q1"}, {"kind", "batch"}});
  auto b = r.counter("jobs_total", "ignored: the first help stays", {{"kind", "batch"}, {"queue", "q1"}});
  auto other = r.counter("jobs_total", "Jobs", {{"kind", "batch"}, {"queue", "q2"}});
  a.inc();
  b.inc(2);
  other.inc();
  EXPECT_EQ(a.value(), 3u);
  const auto snap = r.snapshot();
  ASSERT_EQ(snap.families.size(), 1u);
  EXPECT_EQ(snap.families[0].help, "Jobs");
  EXPECT_EQ(snap.families[0].type, metric_type::counter);
  ASSERT_EQ(snap.families[0].samples.size(), 2u);
  EXPECT_EQ(snap.value("jobs_total", {{"queue", "q1"}, {"kind", "batch"}}), 3.0);
  EXPECT_EQ(snap.value("jobs_total", {{"queue", "q2"}, {"kind", "batch"}}), 1.0);
  EXPECT_EQ(snap.sum("jobs_total", {{"kind", "batch"}}), 4.0);
  EXPECT_FALSE(snap.value("jobs_total", {{"queue", "q3"}, {"kind", "batch"}}));
  // Samples come out sorted by their labels' names.
  EXPECT_EQ(snap.families[0].samples[0].labels, (metric_labels{{"kind", "batch"}, {"queue", "q1"}}));
}

TEST(MetricsRegistry, GaugesGoUpAndDown) {
  metrics_registry r;
  auto g = r.gauge("offers_held", "Offers held");
  g.set(5);
  g.add(-2);
  g.add(0.5);
  EXPECT_EQ(r.snapshot().value("offers_held"), 3.5);
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithUpperBoundsIncluded) {
  metrics_registry r;
  auto h = r.histogram("latency_seconds", "Latency", {0.1, 1, 10}, {{"type", "DECLINE"}});
  for (double v : {0.05, 0.1, 0.5, 1.0, 3.0, 100.0}) h.observe(v);
  const auto snap = r.snapshot();
  const auto* s = snap.sample("latency_seconds", {{"type", "DECLINE"}});
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->buckets, (std::vector<std::uint64_t>{2, 4, 5}));
  EXPECT_EQ(s->count, 6u);
  EXPECT_DOUBLE_EQ(s->sum, 104.65);
  EXPECT_EQ(snap.family("latency_seconds")->bounds, (std::vector<double>{0.1, 1, 10}));
}

TEST(MetricsRegistry, CallbacksAreReadAtSnapshotTimeAndLeaveWithTheirHandle) {
  metrics_registry r;
  double depth = 1;
  {
    auto handle = r.gauge_callback("queue_depth", "Depth", {}, [&] { return depth; });
    EXPECT_EQ(r.snapshot().value("queue_depth"), 1.0);
    depth = 7;
    EXPECT_EQ(r.snapshot().value("queue_depth"), 7.0);
    auto moved = std::move(handle);
    EXPECT_EQ(r.snapshot().value("queue_depth"), 7.0);
  }
  EXPECT_EQ(r.snapshot().family("queue_depth"), nullptr);
}

TEST(MetricsRegistry, RefusesWhatPrometheusWouldRefuse) {
  metrics_registry r;
  r.counter("events_total", "Events");
  EXPECT_THROW(r.gauge("events_total", "Events"), std::invalid_argument);
  EXPECT_THROW(r.counter("1st", "digit first"), std::invalid_argument);
  EXPECT_THROW(r.counter("has-dash", "dash"), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", "x", {{"__reserved", "v"}}), std::invalid_argument);
  EXPECT_THROW(r.counter("ok_total", "x", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "x", {1, 1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "x", {1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "x", {1}, {{"le", "1"}}), std::invalid_argument);
  r.histogram("h", "x", {1, 2});
  EXPECT_THROW(r.histogram("h", "x", {1, 3}), std::invalid_argument);
  EXPECT_THROW((void)r.gauge_callback("g", "x", {}, {}), std::invalid_argument);
  EXPECT_NO_THROW(r.counter("ns:ok_total", "colons are allowed in names"));
}

TEST(MetricsRegistry, DefaultHandlesRecordNothing) {
  mesoshttp::counter c;
  mesoshttp::gauge g;
  mesoshttp::histogram h;
  c.inc();
  g.set(1);
  h.observe(1);
  EXPECT_EQ(c.value(), 0u);
  EXPECT_EQ(g.value(), 0.0);
}

// Increments from several threads while snapshots are taken: nothing is
// lost, and every snapshot of the histogram is consistent.
TEST(MetricsRegistry, ConcurrentIncrementsAreAllCounted) {
  metrics_registry r;
  auto c = r.counter("n_total", "n");
  auto h = r.histogram("v", "v", {0.5});
  constexpr int per_thread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        c.inc();
        h.observe(i % 2 ? 0.25 : 1.0);
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    const auto snap = r.snapshot();
    const auto* s = snap.sample("v");
    ASSERT_NE(s, nullptr);
    EXPECT_LE(s->buckets[0], s->count);
  }
  for (auto& t : threads) t.join();
  const auto snap = r.snapshot();
  EXPECT_EQ(snap.value("n_total"), 4.0 * per_thread);
  EXPECT_EQ(snap.sample("v")->count, 4u * per_thread);
  EXPECT_EQ(snap.sample("v")->buckets[0], 2u * per_thread);
}

}  // namespace
