// The Prometheus text exposition format 0.0.4, as golden text: HELP and TYPE
// lines, escaping, histogram buckets with +Inf, _sum and _count, numbers.
#include <gtest/gtest.h>

#include <limits>

#include "mesoshttp/metrics.hpp"

namespace {

using mesoshttp::metrics_registry;
using mesoshttp::to_prometheus_text;

TEST(MetricsPrometheusText, GoldenTextOfEveryKind) {
  metrics_registry r;
  r.counter("mesoshttp_events_total", "Events received, by type", {{"type", "UPDATE"}}).inc(3);
  r.counter("mesoshttp_events_total", "Events received, by type", {{"type", "HEARTBEAT"}}).inc();
  r.gauge("mesoshttp_subscribed", "1 while subscribed").set(1);
  auto h = r.histogram("mesoshttp_call_duration_seconds", "Call latency", {0.005, 0.25, 1}, {{"type", "DECLINE"}});
  // Powers of two: their sum is exact, whatever the order.
  h.observe(0.00390625);
  h.observe(0.125);
  h.observe(0.0625);
  h.observe(2);
  EXPECT_EQ(to_prometheus_text(r.snapshot()),
            "# HELP mesoshttp_call_duration_seconds Call latency\n"
            "# TYPE mesoshttp_call_duration_seconds histogram\n"
            "mesoshttp_call_duration_seconds_bucket{type=\"DECLINE\",le=\"0.005\"} 1\n"
            "mesoshttp_call_duration_seconds_bucket{type=\"DECLINE\",le=\"0.25\"} 3\n"
            "mesoshttp_call_duration_seconds_bucket{type=\"DECLINE\",le=\"1\"} 3\n"
            "mesoshttp_call_duration_seconds_bucket{type=\"DECLINE\",le=\"+Inf\"} 4\n"
            "mesoshttp_call_duration_seconds_sum{type=\"DECLINE\"} 2.19140625\n"
            "mesoshttp_call_duration_seconds_count{type=\"DECLINE\"} 4\n"
            "# HELP mesoshttp_events_total Events received, by type\n"
            "# TYPE mesoshttp_events_total counter\n"
            "mesoshttp_events_total{type=\"HEARTBEAT\"} 1\n"
            "mesoshttp_events_total{type=\"UPDATE\"} 3\n"
            "# HELP mesoshttp_subscribed 1 while subscribed\n"
            "# TYPE mesoshttp_subscribed gauge\n"
            "mesoshttp_subscribed 1\n");
}

TEST(MetricsPrometheusText, EscapesLabelValuesAndHelp) {
  metrics_registry r;
  r.gauge("g", "help with \\ and\nnewline, \"quotes\" kept", {{"path", "C:\\dir\n\"x\""}, {"a", "plain"}}).set(-0.5);
  EXPECT_EQ(to_prometheus_text(r.snapshot()),
            "# HELP g help with \\\\ and\\nnewline, \"quotes\" kept\n"
            "# TYPE g gauge\n"
            "g{a=\"plain\",path=\"C:\\\\dir\\n\\\"x\\\"\"} -0.5\n");
}

TEST(MetricsPrometheusText, SpecialValuesAndAHistogramWithoutObservations) {
  metrics_registry r;
  auto inf = r.gauge_callback("up", "x", {{"k", "inf"}}, [] { return std::numeric_limits<double>::infinity(); });
  auto nan = r.gauge_callback("up", "x", {{"k", "nan"}}, [] { return std::numeric_limits<double>::quiet_NaN(); });
  r.histogram("h_seconds", "empty", {1});
  r.counter("big_total", "large").inc(12345678901234ull);
  EXPECT_EQ(to_prometheus_text(r.snapshot()),
            "# HELP big_total large\n"
            "# TYPE big_total counter\n"
            "big_total 12345678901234\n"
            "# HELP h_seconds empty\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"1\"} 0\n"
            "h_seconds_bucket{le=\"+Inf\"} 0\n"
            "h_seconds_sum 0\n"
            "h_seconds_count 0\n"
            "# HELP up x\n"
            "# TYPE up gauge\n"
            "up{k=\"inf\"} +Inf\n"
            "up{k=\"nan\"} NaN\n");
}

TEST(MetricsPrometheusText, AnEmptySnapshotIsEmptyText) { EXPECT_EQ(to_prometheus_text({}), ""); }

}  // namespace
