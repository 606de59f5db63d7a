// The scheduler client's metrics: what each disconnect and call outcome is
// counted under (without sockets), and what a snapshot shows after the client
// subscribed to the simulated master, received events and sent calls, lost
// its stream and came back, over real sockets on 127.0.0.1 in both encodings.
#include "scheduler/client_metrics.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <functional>
#include <iterator>
#include <string>
#include <thread>

#include "mesoshttp/calls.hpp"
#include "mesoshttp/sim/cluster.hpp"
#include "../support/client_support.hpp"

namespace {

using namespace mesoshttp::test;
using mesoshttp::metric_labels;
using mesoshttp::metrics_snapshot;
using mesoshttp::detail::call_outcome;
using mesoshttp::detail::disconnect_reason;

TEST(ClientMetricsRules, DisconnectReasonsAreAFixedSmallSet) {
  EXPECT_EQ(disconnect_reason(make_error_code(error::heartbeat_timeout), true), "heartbeat_timeout");
  EXPECT_EQ(disconnect_reason(make_error_code(error::stream_closed), true), "stream_ended");
  EXPECT_EQ(disconnect_reason(make_error_code(error::recordio_truncated), true), "stream_ended");
  EXPECT_EQ(disconnect_reason(make_error_code(error::recordio_bad_length), true), "bad_stream");
  EXPECT_EQ(disconnect_reason(make_error_code(error::decode_failed), true), "bad_stream");
  EXPECT_EQ(disconnect_reason(make_error_code(error::subscribe_rejected), false), "subscribe_rejected");
  EXPECT_EQ(disconnect_reason(make_error_code(error::redirect_loop), false), "redirect");
  EXPECT_EQ(disconnect_reason(make_error_code(error::not_subscribed), true), "subscription_gone");
  EXPECT_EQ(disconnect_reason(make_error_code(error::no_leader), true), "leader_changed");
  EXPECT_EQ(disconnect_reason(make_error_code(error::framework_error), true), "framework_error");
  EXPECT_EQ(disconnect_reason(make_error_code(error::framework_removed), false), "framework_error");
  EXPECT_EQ(disconnect_reason(make_error_code(error::framework_failed_over), true), "framework_error");
  EXPECT_EQ(disconnect_reason(make_error_code(error::queue_full), true), "other");
  const std::error_code refused = boost::system::error_code(boost::asio::error::connection_refused);
  EXPECT_EQ(disconnect_reason(refused, false), "connect_failed");
  const std::error_code reset = boost::system::error_code(boost::asio::error::connection_reset);
  EXPECT_EQ(disconnect_reason(reset, true), "stream_ended");
  // Whatever the code, the reason is one of the fixed set (which the client
  // registers up front, at 0).
  for (int code = 1; code <= static_cast<int>(error::concurrent_wait); ++code) {
    const auto reason = disconnect_reason(make_error_code(static_cast<error>(code)), code % 2 == 0);
    EXPECT_NE(std::find(std::begin(mesoshttp::detail::disconnect_reasons),
                        std::end(mesoshttp::detail::disconnect_reasons), reason),
              std::end(mesoshttp::detail::disconnect_reasons))
        << reason;
  }
}

TEST(ClientMetricsRules, CallOutcomes) {
  call_result r;
  r.status = 202;
  EXPECT_EQ(call_outcome(r), "accepted");
  r.status = 200;
  EXPECT_EQ(call_outcome(r), "ok");
  const std::pair<error, std::string_view> cases[] = {
      {error::call_rejected, "error:rejected"},
      {error::call_timeout, "error:timeout"},
      {error::connection_lost, "error:connection_lost"},
      {error::shut_down, "error:closed"},
      {error::aborted, "error:closed"},
      {error::queue_full, "error:queue_full"},
      {error::invalid_argument, "error:invalid"},
      {error::unexpected_response, "error:unexpected_response"},
      {error::no_leader, "error:other"},
  };
  for (const auto& [code, outcome] : cases) {
    r.error = make_error_code(code);
    EXPECT_EQ(call_outcome(r), outcome) << make_error_code(code).message();
  }
}

TEST(ClientMetricsRules, WithoutARegistryNothingIsRecordedAndNothingBreaks) {
  mesoshttp::detail::client_metrics m(nullptr);
  m.attempt();
  m.subscribed(15);
  m.event(Event::UPDATE);
  m.event(-1);
  m.event(1000);
  m.data();
  m.consumers_full(true);
  m.overflow();
  m.down(make_error_code(error::heartbeat_timeout), true);
  m.call_completed("DECLINE", Call::DECLINE, call_result{}, std::chrono::steady_clock::now(), true);
  SUCCEED();
}

class ClientMetrics : public ::testing::TestWithParam<encoding> {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<mesoshttp::sim::cluster>(sim_config());
    sim_->start();
  }
  mesoshttp::client_config config() { return base_config(GetParam(), sim_->urls()); }

  // Snapshots until `pred` holds; fails (with the last text) at the deadline.
  static metrics_snapshot eventually(scheduler_client& client,
                                     const std::function<bool(const metrics_snapshot&)>& pred) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    auto snap = client.metrics()->snapshot();
    while (!pred(snap) && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
      snap = client.metrics()->snapshot();
    }
    EXPECT_TRUE(pred(snap)) << mesoshttp::to_prometheus_text(snap);
    return snap;
  }

  std::unique_ptr<mesoshttp::sim::cluster> sim_;
};

double value(const metrics_snapshot& snap, std::string_view name, const metric_labels& labels = {}) {
  return snap.value(name, labels).value_or(-1);
}

TEST_P(ClientMetrics, CountTheSubscriptionEventsByTypeAndCallsByTypeAndOutcome) {
  scheduler_client client(config());
  auto events = client.events();
  auto idle = client.events();  // never read: its depth is the gauge's
  client.start();
  auto offers = wait_for(events, is_event(Event::OFFERS));
  wait_for(events, is_event(Event::HEARTBEAT));
  const auto& offer = offers.event->offers().offers(0);

  auto declined = send_and_wait(client, mesoshttp::calls::decline(std::vector<mesos::v1::OfferID>{offer.id()}));
  ASSERT_TRUE(declined) << declined.message;
  // The master refuses an acknowledgement whose uuid is not a UUID (400).
  auto refused = send_and_wait(client, mesoshttp::calls::acknowledge(offer.agent_id().value(), "no-such-task", "x"));
  ASSERT_EQ(refused.error, error::call_rejected) << refused.message;
  // Refused by the client itself: never sent, so counted but not timed.
  auto invalid = send_and_wait(client, Call{});
  ASSERT_EQ(invalid.error, error::invalid_argument);

  const auto snap = client.metrics()->snapshot();
  EXPECT_EQ(value(snap, "mesoshttp_subscribe_attempts_total"), 1);
  EXPECT_EQ(value(snap, "mesoshttp_subscriptions_total"), 1);
  EXPECT_EQ(value(snap, "mesoshttp_subscribed"), 1);
  EXPECT_EQ(value(snap, "mesoshttp_heartbeat_interval_seconds"), 0.2);
  EXPECT_GE(value(snap, "mesoshttp_heartbeat_lag_seconds"), 0);
  EXPECT_GE(value(snap, "mesoshttp_subscribed_seconds_total"), 0);
  EXPECT_EQ(snap.sum("mesoshttp_disconnects_total"), 0);
  EXPECT_EQ(value(snap, "mesoshttp_disconnects_total", {{"reason", "heartbeat_timeout"}}), 0);  // there, at 0
  EXPECT_EQ(value(snap, "mesoshttp_events_total", {{"type", "SUBSCRIBED"}}), 1);
  EXPECT_GE(value(snap, "mesoshttp_events_total", {{"type", "OFFERS"}}), 1);
  EXPECT_GE(value(snap, "mesoshttp_events_total", {{"type", "HEARTBEAT"}}), 1);
  EXPECT_EQ(value(snap, "mesoshttp_events_total", {{"type", "ERROR"}}), 0);  // every type is there from the start
  // The idle consumer holds everything published since it attached: at
  // least connecting, subscribed, SUBSCRIBED, OFFERS and HEARTBEAT.
  EXPECT_GE(value(snap, "mesoshttp_consumer_queue_depth"), 5);
  EXPECT_EQ(value(snap, "mesoshttp_calls_total", {{"type", "DECLINE"}, {"outcome", "accepted"}}), 1);
  EXPECT_EQ(value(snap, "mesoshttp_calls_total", {{"type", "ACKNOWLEDGE"}, {"outcome", "error:rejected"}}), 1);
  EXPECT_EQ(value(snap, "mesoshttp_calls_total", {{"type", "UNKNOWN"}, {"outcome", "error:invalid"}}), 1);
  const auto* decline_latency = snap.sample("mesoshttp_call_duration_seconds", {{"type", "DECLINE"}});
  ASSERT_NE(decline_latency, nullptr);
  EXPECT_EQ(decline_latency->count, 1u);
  EXPECT_GT(decline_latency->sum, 0);
  EXPECT_NE(snap.sample("mesoshttp_call_duration_seconds", {{"type", "ACKNOWLEDGE"}}), nullptr);
  EXPECT_EQ(snap.sample("mesoshttp_call_duration_seconds", {{"type", "UNKNOWN"}}), nullptr);

  // The same numbers as text.
  const auto text = mesoshttp::to_prometheus_text(snap);
  EXPECT_NE(text.find("mesoshttp_calls_total{outcome=\"accepted\",type=\"DECLINE\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mesoshttp_events_total{type=\"SUBSCRIBED\"} 1\n"), std::string::npos) << text;
}

TEST_P(ClientMetrics, CountALostStreamByReasonAndTheResubscription) {
  scheduler_client client(config());
  auto events = client.events();
  client.start();
  wait_for(events, is_event(Event::SUBSCRIBED));
  sim_->cut_streams_mid_record();
  wait_for(events, is_kind(kind::disconnected));
  wait_for(events, is_event(Event::SUBSCRIBED));
  const auto snap = client.metrics()->snapshot();
  EXPECT_EQ(value(snap, "mesoshttp_disconnects_total", {{"reason", "stream_ended"}}), 1)
      << mesoshttp::to_prometheus_text(snap);
  EXPECT_EQ(snap.sum("mesoshttp_disconnects_total"), 1);
  EXPECT_EQ(value(snap, "mesoshttp_subscriptions_total"), 2);
  EXPECT_EQ(value(snap, "mesoshttp_subscribe_attempts_total"), 2);
  EXPECT_EQ(value(snap, "mesoshttp_events_total", {{"type", "SUBSCRIBED"}}), 2);
  EXPECT_EQ(value(snap, "mesoshttp_subscribed"), 1);
  EXPECT_GT(value(snap, "mesoshttp_subscribed_seconds_total"), 0);
}

TEST_P(ClientMetrics, CountOverflowsAndBackpressurePauses) {
  {
    auto cfg = config();
    cfg.overflow = mesoshttp::overflow_policy::detach;
    scheduler_client client(cfg);
    auto events = client.events();
    auto small = client.events(2);  // never read: detached once two items wait
    client.start();
    wait_for(events, is_event(Event::OFFERS));
    eventually(client, [](const metrics_snapshot& s) { return s.value("mesoshttp_consumer_overflows_total") == 1.0; });
  }
  {
    scheduler_client client(config());
    auto small = client.events(4);  // backpressure: the stream pauses for it
    client.start();
    eventually(client, [](const metrics_snapshot& s) { return s.value("mesoshttp_backpressure_pauses_total") >= 1.0; });
    EXPECT_GE(client.metrics()->snapshot().value("mesoshttp_consumer_queue_depth").value_or(0), 4.0);
  }
}

TEST_P(ClientMetrics, ShareARegistryWithTheFrameworksOwnMetricsOrRecordNothing) {
  auto registry = std::make_shared<mesoshttp::metrics_registry>();
  auto held = registry->gauge("framework_offers_held", "Offers the framework holds");
  {
    auto cfg = config();
    cfg.metrics = registry;
    scheduler_client client(cfg);
    EXPECT_EQ(client.metrics(), registry);
    auto events = client.events();
    client.start();
    wait_for(events, is_event(Event::OFFERS));
    held.set(1);
    const auto snap = registry->snapshot();
    EXPECT_EQ(value(snap, "framework_offers_held"), 1);
    EXPECT_GE(value(snap, "mesoshttp_events_total", {{"type", "OFFERS"}}), 1);
  }
  // The client's callbacks left with it; its counters stay.
  const auto after = registry->snapshot();
  EXPECT_EQ(after.family("mesoshttp_heartbeat_lag_seconds"), nullptr);
  EXPECT_EQ(after.family("mesoshttp_consumer_queue_depth"), nullptr);
  EXPECT_EQ(value(after, "mesoshttp_subscriptions_total"), 1);

  auto cfg = config();
  cfg.record_metrics = false;
  scheduler_client quiet(cfg);
  auto events = quiet.events();
  quiet.start();
  wait_for(events, is_event(Event::OFFERS));
  EXPECT_TRUE(quiet.metrics()->snapshot().families.empty());
}

INSTANTIATE_TEST_SUITE_P(Encodings, ClientMetrics, ::testing::Values(encoding::protobuf, encoding::json),
                         [](const auto& p) { return std::string(mesoshttp::to_string(p.param)); });

}  // namespace
