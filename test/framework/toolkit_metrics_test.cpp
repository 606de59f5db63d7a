// The toolkit's numbers in a metrics registry, without sockets: what the
// tracker and the offer book hold and counted, read at snapshot time, and
// gone once the handles are dropped.
#include "mesoshttp/framework/toolkit_metrics.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace {

using mesos::v1::scheduler::Event;
using mesoshttp::client_event;

mesos::v1::TaskStatus status(const std::string& id, mesos::v1::TaskState state) {
  mesos::v1::TaskStatus s;
  s.mutable_task_id()->set_value(id);
  s.set_state(state);
  return s;
}

TEST(ToolkitMetrics, TasksByStateAndTheTrackersBadInput) {
  mesoshttp::metrics_registry registry;
  mesoshttp::task_tracker tracker;
  auto handles = mesoshttp::export_metrics(registry, tracker);
  tracker.launching("t1");
  tracker.launching("t2");
  tracker.on_update(status("t1", mesos::v1::TASK_RUNNING));
  tracker.on_update(status("t1", mesos::v1::TASK_RUNNING));
  tracker.on_update(status("stranger", mesos::v1::TASK_RUNNING));
  auto snap = registry.snapshot();
  EXPECT_EQ(snap.value("mesoshttp_tasks", {{"state", "TASK_RUNNING"}}), 2.0);
  EXPECT_EQ(snap.value("mesoshttp_tasks", {{"state", "TASK_STAGING"}}), 1.0);
  EXPECT_EQ(snap.value("mesoshttp_tasks", {{"state", "TASK_FINISHED"}}), 0.0) << "every state, at 0 until seen";
  EXPECT_EQ(snap.value("mesoshttp_task_updates_duplicate_total"), 1.0);
  EXPECT_EQ(snap.value("mesoshttp_task_updates_unknown_task_total"), 1.0);
  const auto text = mesoshttp::to_prometheus_text(snap);
  EXPECT_NE(text.find("mesoshttp_tasks{state=\"TASK_RUNNING\"} 2"), std::string::npos) << text;
  handles.clear();
  EXPECT_FALSE(registry.snapshot().value("mesoshttp_tasks", {{"state", "TASK_RUNNING"}}));
}

TEST(ToolkitMetrics, OffersHeldAndWhatBecameOfThem) {
  mesoshttp::metrics_registry registry;
  mesoshttp::offer_book book;
  auto handles = mesoshttp::export_metrics(registry, book);
  client_event subscribed;
  subscribed.type = client_event::kind::subscribed;
  subscribed.generation = 1;
  book.on_event(subscribed);
  auto offers = std::make_shared<Event>();
  offers->set_type(Event::OFFERS);
  for (const char* id : {"o1", "o2", "o3"}) {
    auto* o = offers->mutable_offers()->add_offers();
    o->mutable_id()->set_value(id);
    o->mutable_agent_id()->set_value("a1");
    o->mutable_framework_id()->set_value("f1");
    o->set_hostname("h");
  }
  client_event item;
  item.generation = 1;
  item.event = offers;
  book.on_event(item);
  auto rescind = std::make_shared<Event>();
  rescind->set_type(Event::RESCIND);
  rescind->mutable_rescind()->mutable_offer_id()->set_value("nope");
  item.event = rescind;
  book.on_event(item);
  ASSERT_TRUE(book.take("o1"));
  auto snap = registry.snapshot();
  EXPECT_EQ(snap.value("mesoshttp_offers_held"), 2.0);
  EXPECT_EQ(snap.value("mesoshttp_offers_total", {{"outcome", "received"}}), 3.0);
  EXPECT_EQ(snap.value("mesoshttp_offers_total", {{"outcome", "taken"}}), 1.0);
  EXPECT_EQ(snap.value("mesoshttp_offer_input_ignored_total", {{"why", "unknown_rescind"}}), 1.0);
  client_event lost;
  lost.type = client_event::kind::disconnected;
  lost.generation = 1;
  book.on_event(lost);
  snap = registry.snapshot();
  EXPECT_EQ(snap.value("mesoshttp_offers_held"), 0.0);
  EXPECT_EQ(snap.value("mesoshttp_offers_total", {{"outcome", "void"}}), 2.0);
}

}  // namespace
