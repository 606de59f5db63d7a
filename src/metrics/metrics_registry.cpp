// The registry: families by name, each a map from a (sorted) label set to a
// cell that handles share. Only registration and snapshots take the lock;
// recording through a handle is one atomic operation.
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <variant>

#include "mesoshttp/metrics.hpp"

namespace mesoshttp {

std::string_view to_string(metric_type type) noexcept {
  switch (type) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

std::vector<double> default_latency_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

namespace detail {

histogram_cell::histogram_cell(std::vector<double> upper_bounds)
    : bounds(std::move(upper_bounds)), counts(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) counts[i].store(0, std::memory_order_relaxed);
}

struct callback_cell {
  std::uint64_t id;
  std::function<double()> read;
};

using cell = std::variant<std::shared_ptr<counter_cell>, std::shared_ptr<gauge_cell>, std::shared_ptr<histogram_cell>,
                          callback_cell>;

struct family_state {
  std::string help;
  metric_type type;
  std::vector<double> bounds;
  std::map<metric_labels, cell> cells;
};

struct registry_state {
  mutable std::mutex mutex;
  std::map<std::string, family_state, std::less<>> families;
  std::uint64_t next_callback_id = 1;
};

}  // namespace detail

namespace {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;  // reserved for Prometheus itself
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// The label set as the registry keys it: sorted by name, names checked.
metric_labels canonical(std::string_view metric, const metric_labels& labels, metric_type type) {
  metric_labels out = labels;
  std::sort(out.begin(), out.end());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& name = out[i].first;
    if (!valid_label_name(name))
      throw std::invalid_argument("metric " + std::string(metric) + ": invalid label name '" + name + "'");
    if (type == metric_type::histogram && name == "le")
      throw std::invalid_argument("histogram " + std::string(metric) + ": the label 'le' is the bucket's own");
    if (i > 0 && out[i - 1].first == name)
      throw std::invalid_argument("metric " + std::string(metric) + ": label '" + name + "' given twice");
  }
  return out;
}

detail::family_state& family_for(detail::registry_state& state, std::string_view name, std::string_view help,
                                 metric_type type, const std::vector<double>& bounds) {
  if (!valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
  auto it = state.families.find(name);
  if (it == state.families.end()) {
    it = state.families.emplace(std::string(name), detail::family_state{std::string(help), type, bounds, {}}).first;
  } else if (it->second.type != type) {
    throw std::invalid_argument("metric " + std::string(name) + " is a " + std::string(to_string(it->second.type)) +
                                ", not a " + std::string(to_string(type)));
  } else if (it->second.bounds != bounds) {
    throw std::invalid_argument("histogram " + std::string(name) + " was registered with other bucket bounds");
  }
  return it->second;
}

template <class Cell>
std::shared_ptr<Cell> cell_for(detail::family_state& family, metric_labels labels, std::string_view name) {
  auto& slot = family.cells[std::move(labels)];
  if (auto* existing = std::get_if<std::shared_ptr<Cell>>(&slot); existing && *existing) return *existing;
  if (std::holds_alternative<detail::callback_cell>(slot))
    throw std::invalid_argument("metric " + std::string(name) + ": this label set is read by a callback");
  auto made = std::make_shared<Cell>();
  slot = made;
  return made;
}

}  // namespace

void histogram::observe(double v) const noexcept {
  if (!cell_) return;
  const auto& bounds = cell_->bounds;
  // The first bucket whose upper bound holds v (le: less or equal); NaN
  // lands in +Inf.
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
  cell_->counts[bucket].fetch_add(1, std::memory_order_relaxed);
  cell_->sum.fetch_add(v, std::memory_order_relaxed);
  cell_->count.fetch_add(1, std::memory_order_relaxed);
}

metric_callback_handle::metric_callback_handle(metric_callback_handle&& other) noexcept
    : registry_(std::move(other.registry_)), id_(std::exchange(other.id_, 0)) {}

metric_callback_handle& metric_callback_handle::operator=(metric_callback_handle&& other) noexcept {
  if (this != &other) {
    reset();
    registry_ = std::move(other.registry_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

metric_callback_handle::~metric_callback_handle() { reset(); }

void metric_callback_handle::reset() {
  auto state = registry_.lock();
  registry_.reset();
  if (!state || id_ == 0) return;
  std::lock_guard lock(state->mutex);
  for (auto fam = state->families.begin(); fam != state->families.end(); ++fam) {
    auto& cells = fam->second.cells;
    for (auto it = cells.begin(); it != cells.end(); ++it) {
      if (auto* cb = std::get_if<detail::callback_cell>(&it->second); cb && cb->id == id_) {
        cells.erase(it);
        // A family left with no sample would print a lone HELP and TYPE.
        if (cells.empty()) state->families.erase(fam);
        id_ = 0;
        return;
      }
    }
  }
  id_ = 0;
}

metrics_registry::metrics_registry() : state_(std::make_shared<detail::registry_state>()) {}
metrics_registry::~metrics_registry() = default;

counter metrics_registry::counter(std::string_view name, std::string_view help, const metric_labels& labels) {
  auto key = canonical(name, labels, metric_type::counter);
  std::lock_guard lock(state_->mutex);
  auto& family = family_for(*state_, name, help, metric_type::counter, {});
  return mesoshttp::counter(cell_for<detail::counter_cell>(family, std::move(key), name));
}

gauge metrics_registry::gauge(std::string_view name, std::string_view help, const metric_labels& labels) {
  auto key = canonical(name, labels, metric_type::gauge);
  std::lock_guard lock(state_->mutex);
  auto& family = family_for(*state_, name, help, metric_type::gauge, {});
  return mesoshttp::gauge(cell_for<detail::gauge_cell>(family, std::move(key), name));
}

histogram metrics_registry::histogram(std::string_view name, std::string_view help, const std::vector<double>& bounds,
                                      const metric_labels& labels) {
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      throw std::invalid_argument("histogram " + std::string(name) + ": bounds must be finite and increasing");
  }
  auto key = canonical(name, labels, metric_type::histogram);
  std::lock_guard lock(state_->mutex);
  auto& family = family_for(*state_, name, help, metric_type::histogram, bounds);
  auto& slot = family.cells[std::move(key)];
  if (auto* existing = std::get_if<std::shared_ptr<detail::histogram_cell>>(&slot); existing && *existing)
    return mesoshttp::histogram(*existing);
  auto made = std::make_shared<detail::histogram_cell>(bounds);
  slot = made;
  return mesoshttp::histogram(made);
}

namespace {
// The callback's id, for its handle to unregister it by.
std::uint64_t register_callback(detail::registry_state& state, std::string_view name, std::string_view help,
                                const metric_labels& labels, metric_type type, std::function<double()> read) {
  if (!read) throw std::invalid_argument("metric " + std::string(name) + ": empty callback");
  auto key = canonical(name, labels, type);
  std::lock_guard lock(state.mutex);
  auto& family = family_for(state, name, help, type, {});
  const auto id = state.next_callback_id++;
  family.cells[std::move(key)] = detail::callback_cell{id, std::move(read)};
  return id;
}
}  // namespace

metric_callback_handle metrics_registry::gauge_callback(std::string_view name, std::string_view help,
                                                        const metric_labels& labels, std::function<double()> read) {
  return {state_, register_callback(*state_, name, help, labels, metric_type::gauge, std::move(read))};
}

metric_callback_handle metrics_registry::counter_callback(std::string_view name, std::string_view help,
                                                          const metric_labels& labels, std::function<double()> read) {
  return {state_, register_callback(*state_, name, help, labels, metric_type::counter, std::move(read))};
}

metrics_snapshot metrics_registry::snapshot() const {
  metrics_snapshot out;
  std::lock_guard lock(state_->mutex);
  out.families.reserve(state_->families.size());
  for (const auto& [name, family] : state_->families) {
    metric_family f{.name = name, .help = family.help, .type = family.type, .bounds = family.bounds, .samples = {}};
    f.samples.reserve(family.cells.size());
    for (const auto& [labels, c] : family.cells) {
      metric_sample s;
      s.labels = labels;
      if (const auto* cc = std::get_if<std::shared_ptr<detail::counter_cell>>(&c)) {
        s.value = static_cast<double>((*cc)->value.load(std::memory_order_relaxed));
      } else if (const auto* gc = std::get_if<std::shared_ptr<detail::gauge_cell>>(&c)) {
        s.value = (*gc)->value.load(std::memory_order_relaxed);
      } else if (const auto* cb = std::get_if<detail::callback_cell>(&c)) {
        s.value = cb->read();
      } else if (const auto* hc = std::get_if<std::shared_ptr<detail::histogram_cell>>(&c)) {
        const auto& h = **hc;
        // Read the buckets first and count as their total, so that a
        // snapshot taken while observations land is still consistent
        // (+Inf = count, buckets non-decreasing).
        std::uint64_t cumulative = 0;
        s.buckets.reserve(h.bounds.size());
        for (std::size_t i = 0; i < h.bounds.size(); ++i) {
          cumulative += h.counts[i].load(std::memory_order_relaxed);
          s.buckets.push_back(cumulative);
        }
        s.count = cumulative + h.counts[h.bounds.size()].load(std::memory_order_relaxed);
        s.sum = h.sum.load(std::memory_order_relaxed);
      }
      f.samples.push_back(std::move(s));
    }
    out.families.push_back(std::move(f));
  }
  return out;
}

const metric_family* metrics_snapshot::family(std::string_view name) const {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

const metric_sample* metrics_snapshot::sample(std::string_view name, const metric_labels& labels) const {
  const auto* f = family(name);
  if (!f) return nullptr;
  auto key = labels;
  std::sort(key.begin(), key.end());
  for (const auto& s : f->samples)
    if (s.labels == key) return &s;
  return nullptr;
}

std::optional<double> metrics_snapshot::value(std::string_view name, const metric_labels& labels) const {
  const auto* s = sample(name, labels);
  if (!s) return std::nullopt;
  return s->value;
}

double metrics_snapshot::sum(std::string_view name, const metric_labels& match) const {
  const auto* f = family(name);
  if (!f) return 0;
  double total = 0;
  for (const auto& s : f->samples) {
    const bool matches = std::all_of(match.begin(), match.end(), [&](const auto& want) {
      return std::find(s.labels.begin(), s.labels.end(), want) != s.labels.end();
    });
    if (matches) total += s.value;
  }
  return total;
}

}  // namespace mesoshttp
