#include "mesoshttp/framework/toolkit_metrics.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace mesoshttp {

std::vector<metric_callback_handle> export_metrics(metrics_registry& registry, const task_tracker& tracker) {
  std::vector<metric_callback_handle> handles;
  for (int s = mesos::v1::TaskState_MIN; s <= mesos::v1::TaskState_MAX; ++s) {
    if (!mesos::v1::TaskState_IsValid(s)) continue;
    const auto state = static_cast<mesos::v1::TaskState>(s);
    handles.push_back(registry.gauge_callback("mesoshttp_tasks",
                                              "Tasks the framework's tracker holds, by their latest state",
                                              {{"state", mesos::v1::TaskState_Name(state)}}, [&tracker, state] {
                                                const auto counts = tracker.counts_by_state();
                                                const auto it = counts.find(state);
                                                return it == counts.end() ? 0.0 : static_cast<double>(it->second);
                                              }));
  }
  handles.push_back(registry.counter_callback("mesoshttp_task_updates_duplicate_total",
                                              "Status updates that said what the tracker knew (resent, reconciled)", {},
                                              [&tracker] { return static_cast<double>(tracker.duplicates()); }));
  handles.push_back(registry.counter_callback("mesoshttp_task_updates_unknown_task_total",
                                              "Status updates of tasks the framework never launched", {},
                                              [&tracker] { return static_cast<double>(tracker.unknown_tasks()); }));
  return handles;
}

std::vector<metric_callback_handle> export_metrics(metrics_registry& registry, const offer_book& book) {
  std::vector<metric_callback_handle> handles;
  handles.push_back(registry.gauge_callback("mesoshttp_offers_held", "Offers the framework holds now", {},
                                            [&book] { return static_cast<double>(book.size()); }));
  using field = std::uint64_t offer_book_counters::*;
  const std::pair<const char*, field> outcomes[] = {
      {"received", &offer_book_counters::offers_received}, {"rescinded", &offer_book_counters::offers_rescinded},
      {"taken", &offer_book_counters::offers_taken},       {"declined", &offer_book_counters::offers_declined},
      {"void", &offer_book_counters::dropped_on_loss},
  };
  for (const auto& [name, member] : outcomes) {
    handles.push_back(registry.counter_callback(
        "mesoshttp_offers_total", "Offers by what became of them (void: their subscription was lost)",
        {{"outcome", name}}, [&book, member = member] { return static_cast<double>(book.counters().*member); }));
  }
  const std::pair<const char*, field> ignored[] = {
      {"unknown_rescind", &offer_book_counters::unknown_rescinds},
      {"duplicate", &offer_book_counters::duplicate_offers},
      {"stale", &offer_book_counters::stale_offers},
  };
  for (const auto& [name, member] : ignored) {
    handles.push_back(registry.counter_callback(
        "mesoshttp_offer_input_ignored_total", "Offer events the book counted and ignored, by why", {{"why", name}},
        [&book, member = member] { return static_cast<double>(book.counters().*member); }));
  }
  return handles;
}

}  // namespace mesoshttp
