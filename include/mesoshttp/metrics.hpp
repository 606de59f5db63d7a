// Metrics without a metrics library: counters, gauges and latency histograms
// in a registry that the client records into and a framework may add its own
// to; a snapshot of plain data; the Prometheus text exposition format.
//
//   auto registry = std::make_shared<mesoshttp::metrics_registry>();
//   auto held = registry->gauge("myframework_offers_held", "Offers held now");
//   held.set(3);
//   std::string text = mesoshttp::to_prometheus_text(registry->snapshot());
//
// Hot path: a handle (counter, gauge, histogram) is resolved once for a name
// and label set; recording through it is an atomic operation, no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mesoshttp {

// Label name -> value. Kept sorted by name in snapshots; the order given
// does not matter.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

enum class metric_type { counter, gauge, histogram };
std::string_view to_string(metric_type type) noexcept;

// One label set's value.
struct metric_sample {
  metric_labels labels;
  double value = 0;  // counter, gauge
  // Histogram: cumulative counts, one per bound of the family (the +Inf
  // bucket is `count`), their sum and count.
  std::vector<std::uint64_t> buckets;
  double sum = 0;
  std::uint64_t count = 0;
};

struct metric_family {
  std::string name;
  std::string help;
  metric_type type = metric_type::counter;
  std::vector<double> bounds;  // histogram bucket upper bounds, increasing
  std::vector<metric_sample> samples;
};

// Families sorted by name, samples by labels: the same registry state gives
// the same snapshot (and text).
struct metrics_snapshot {
  std::vector<metric_family> families;

  const metric_family* family(std::string_view name) const;
  const metric_sample* sample(std::string_view name, const metric_labels& labels = {}) const;
  // A counter's or gauge's value; nullopt if there is no such sample.
  std::optional<double> value(std::string_view name, const metric_labels& labels = {}) const;
  // Sum of a counter's or gauge's samples whose labels include `match`.
  double sum(std::string_view name, const metric_labels& match = {}) const;
};

// The Prometheus text exposition format 0.0.4 (# HELP, # TYPE, escaped label
// values, histogram _bucket{le=...} with +Inf, _sum and _count).
std::string to_prometheus_text(const metrics_snapshot& snapshot);
// The Content-Type of that text.
inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

// Buckets for call latencies over HTTP on a LAN: 1 ms to 10 s.
std::vector<double> default_latency_bounds();

namespace detail {
struct counter_cell {
  std::atomic<std::uint64_t> value{0};
};
struct gauge_cell {
  std::atomic<double> value{0};
};
struct histogram_cell {
  explicit histogram_cell(std::vector<double> upper_bounds);
  std::vector<double> bounds;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts;  // per bucket, not cumulative; the last is +Inf
  std::atomic<double> sum{0};
  std::atomic<std::uint64_t> count{0};
};
struct registry_state;
}  // namespace detail

// Handles: cheap to copy, valid as long as any copy lives (they share their
// cell with the registry). A default-constructed handle records nothing.
class counter {
 public:
  counter() = default;
  void inc(std::uint64_t n = 1) const noexcept {
    if (cell_) cell_->value.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept { return cell_ ? cell_->value.load(std::memory_order_relaxed) : 0; }

 private:
  friend class metrics_registry;
  explicit counter(std::shared_ptr<detail::counter_cell> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<detail::counter_cell> cell_;
};

class gauge {
 public:
  gauge() = default;
  void set(double v) const noexcept {
    if (cell_) cell_->value.store(v, std::memory_order_relaxed);
  }
  void add(double v) const noexcept {
    if (cell_) cell_->value.fetch_add(v, std::memory_order_relaxed);
  }
  double value() const noexcept { return cell_ ? cell_->value.load(std::memory_order_relaxed) : 0; }

 private:
  friend class metrics_registry;
  explicit gauge(std::shared_ptr<detail::gauge_cell> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<detail::gauge_cell> cell_;
};

class histogram {
 public:
  histogram() = default;
  // Records one observation (seconds, for latencies).
  void observe(double v) const noexcept;

 private:
  friend class metrics_registry;
  explicit histogram(std::shared_ptr<detail::histogram_cell> cell) : cell_(std::move(cell)) {}
  std::shared_ptr<detail::histogram_cell> cell_;
};

// Keeps a callback metric registered; unregisters it when destroyed (after
// any snapshot that is calling it has finished). Movable.
class [[nodiscard]] metric_callback_handle {
 public:
  metric_callback_handle() = default;
  metric_callback_handle(metric_callback_handle&& other) noexcept;
  metric_callback_handle& operator=(metric_callback_handle&& other) noexcept;
  metric_callback_handle(const metric_callback_handle&) = delete;
  metric_callback_handle& operator=(const metric_callback_handle&) = delete;
  ~metric_callback_handle();
  void reset();

 private:
  friend class metrics_registry;
  metric_callback_handle(std::weak_ptr<detail::registry_state> registry, std::uint64_t id)
      : registry_(std::move(registry)), id_(id) {}
  std::weak_ptr<detail::registry_state> registry_;
  std::uint64_t id_ = 0;
};

// Thread-safe. Asking again for the same name and labels returns a handle to
// the same value; the first registration of a name sets its help, type (and
// bounds). Throws std::invalid_argument for a name or label name Prometheus
// does not allow, a name registered with another type, or histogram bounds
// that are not increasing or differ from the name's first bounds.
class metrics_registry {
 public:
  metrics_registry();
  ~metrics_registry();
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  class counter counter(std::string_view name, std::string_view help, const metric_labels& labels = {});
  class gauge gauge(std::string_view name, std::string_view help, const metric_labels& labels = {});
  class histogram histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                            const metric_labels& labels = {});

  // A value read when a snapshot is taken (a queue's depth, seconds since
  // something). The callback runs on the snapshot's thread, under the
  // registry's lock: keep it quick, and never call the registry from it.
  // Registering the same name and labels again replaces the earlier one.
  metric_callback_handle gauge_callback(std::string_view name, std::string_view help, const metric_labels& labels,
                                        std::function<double()> read);
  metric_callback_handle counter_callback(std::string_view name, std::string_view help, const metric_labels& labels,
                                          std::function<double()> read);

  metrics_snapshot snapshot() const;

 private:
  std::shared_ptr<detail::registry_state> state_;
};

}  // namespace mesoshttp
