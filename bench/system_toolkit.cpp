// toolkit: what the production-framework toolkit costs on the ingest path.
// One pulling consumer takes a flood of UPDATE events (one fake task, no
// uuid: the tracker's worst case, every update a duplicate) and of OFFERS
// (each offer into the offer book and taken out again);
// each variant does its per-event work on the consumer's thread, in rounds
// interleaved with the plain consumer (the floor) so drift hits all alike.
// The plain consumer's client records no metrics; the toolkit's records the
// client's and the toolkit's own. Goal: the whole toolkit >= 0.9 of plain
// (metrics alone: the ingest benchmark's on_event rows, >= 0.97).
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_system.hpp"
#include "mesoshttp/client.hpp"
#include "mesoshttp/framework/offer_book.hpp"
#include "mesoshttp/framework/reconciler.hpp"
#include "mesoshttp/framework/toolkit_metrics.hpp"
#include "mesoshttp/framework/task_tracker.hpp"
#include "mesoshttp/sim/cluster.hpp"

namespace bench_system {
namespace {

// What a variant does with each item, given the client it runs on.
using per_item = std::function<void(const client_event&)>;
struct variant {
  std::string name;
  bool metrics;  // client_config::record_metrics
  std::function<per_item(mesoshttp::scheduler_client&)> make;
};

// The toolkit a production framework would feed every item to.
per_item toolkit(mesoshttp::scheduler_client& client) {
  auto tracker = std::make_shared<mesoshttp::task_tracker>();
  auto reconciler = std::make_shared<mesoshttp::reconciler>(client, *tracker);
  auto offers = std::make_shared<mesoshttp::offer_book>();
  auto exported = std::make_shared<std::vector<mesoshttp::metric_callback_handle>>(
      mesoshttp::export_metrics(*client.metrics(), *tracker));
  for (auto& h : mesoshttp::export_metrics(*client.metrics(), *offers)) exported->push_back(std::move(h));
  return [tracker, reconciler, offers, exported](const client_event& item) {
    if (item.type == client_event::kind::event && item.event->type() == Event::UPDATE)
      tracker->on_update(item.event->update().status());
    reconciler->on_event(item);
    offers->on_event(item);
    // A framework uses its offers: the book stays as large as one OFFERS event.
    if (item.type == client_event::kind::event && item.event->type() == Event::OFFERS) {
      for (const auto& offer : item.event->offers().offers()) offers->take(offer.id().value());
    }
  };
}

double ingest(mesoshttp::sim::cluster& sim, std::size_t events, mesoshttp::sim::flood_shape shape, const variant& v) {
  const Event::Type wanted = shape == mesoshttp::sim::flood_shape::update ? Event::UPDATE : Event::OFFERS;
  double rate = 0;
  {
    auto cfg = client_config(sim.urls());
    cfg.record_metrics = v.metrics;
    mesoshttp::scheduler_client client(cfg);
    auto stream = client.events();
    auto work = v.make(client);
    client.start();
    const auto subscribe_by = clock_type::now() + 20s;
    for (bool subscribed = false; !subscribed;) {
      auto item = stream.next(1s);
      if (item) work(*item);
      subscribed = item && item->type == client_event::kind::subscribed;
      if (clock_type::now() > subscribe_by) die("client did not subscribe");
    }
    const auto start = clock_type::now();
    if (sim.flood(events, shape, 10) != 1) die("flood did not reach exactly one stream");
    for (std::size_t seen = 0; seen < events;) {
      auto item = stream.next(30s);
      if (!item) die("consumer stream ended or stalled");
      work(*item);
      if (item->type == client_event::kind::event && item->event->type() == wanted) ++seen;
    }
    rate = static_cast<double>(events) / seconds_since(start);
    client.shutdown();
  }
  wait_until([&] { return sim.subscribers() == 0; }, 20s, "the client stream to close");
  return rate;
}

}  // namespace

void run_toolkit() {
  const auto events = static_cast<std::size_t>(arg("events", 200000));
  const auto rounds = static_cast<int>(arg("rounds", 3));
  const std::vector<variant> variants = {
      {"plain", false, [](mesoshttp::scheduler_client&) { return per_item([](const client_event&) {}); }},
      {"toolkit", true, toolkit},
  };
  mesoshttp::sim::cluster sim;
  sim.start();
  std::ostringstream out;
  out << "{\"benchmark\":\"toolkit\",\"events\":" << events << ",\"rounds\":" << rounds << ",\"results\":[";
  bool first = true;
  for (auto shape : {mesoshttp::sim::flood_shape::update, mesoshttp::sim::flood_shape::offers}) {
    const bool updates = shape == mesoshttp::sim::flood_shape::update;
    const std::size_t n = updates ? events : events / 10;
    std::vector<std::vector<double>> rates(variants.size());
    for (int r = 0; r < rounds; ++r)
      for (std::size_t i = 0; i < variants.size(); ++i) rates[i].push_back(ingest(sim, n, shape, variants[i]));
    const double floor = median(rates[0]);
    for (std::size_t i = 1; i < variants.size(); ++i) {
      const double ours = median(rates[i]);
      out << (first ? "" : ",") << "{\"shape\":\"" << (updates ? "update" : "offers10") << "\",\"variant\":\""
          << variants[i].name << "\",\"plain_events_per_s\":" << floor << ",\"events_per_s\":" << ours
          << ",\"ratio\":" << ours / floor << "}";
      first = false;
      std::cerr << "toolkit " << (updates ? "update" : "offers10") << " " << variants[i].name << ": plain=" << floor
                << "/s with=" << ours << "/s ratio=" << ours / floor << "\n";
    }
  }
  out << "]}";
  std::cout << out.str() << std::endl;
}

}  // namespace bench_system
