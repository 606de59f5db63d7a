// The toolkit's numbers in a metrics registry (the client's own,
// scheduler_client::metrics(), so one /metrics shows everything): tasks by
// state and the tracker's bad input; offers held and what happened to them.
// Values are read when a snapshot is taken; the handles returned keep them
// registered, so drop them before the tracker or book they read.
//
//   auto task_metrics = mesoshttp::export_metrics(*client.metrics(), tracker);
#pragma once

#include <vector>

#include "mesoshttp/framework/offer_book.hpp"
#include "mesoshttp/framework/task_tracker.hpp"
#include "mesoshttp/metrics.hpp"

namespace mesoshttp {

// mesoshttp_tasks{state="TASK_RUNNING"} (a gauge per state, every state at
// 0 until seen), mesoshttp_task_updates_duplicate_total and
// mesoshttp_task_updates_unknown_task_total.
[[nodiscard]] std::vector<metric_callback_handle> export_metrics(metrics_registry& registry,
                                                                 const task_tracker& tracker);

// mesoshttp_offers_held (gauge), mesoshttp_offers_total{outcome} (received,
// rescinded, taken, declined, void: dropped with a lost subscription) and
// mesoshttp_offer_input_ignored_total{why} (unknown_rescind, duplicate, stale).
[[nodiscard]] std::vector<metric_callback_handle> export_metrics(metrics_registry& registry, const offer_book& book);

}  // namespace mesoshttp
