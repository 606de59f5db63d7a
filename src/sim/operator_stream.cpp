// The operator event stream of the simulated master (SUBSCRIBE on /api/v1
// and /master/api/v1), as a real 1.11 master serves it (operator-answers.md,
// "The operator event stream"): 200 with Transfer-Encoding chunked and the
// Content-Type of Accept (never compressed, no Mesos-Stream-Id), RecordIO
// records of master::Event, SUBSCRIBED with the state GET_STATE answers and
// the heartbeat interval, a HEARTBEAT right after it and then every interval,
// and the events the rules emit as the model changes (through the outbox, so
// the model's tests see them without sockets). The stream ends when its
// master stops leading (close_streams, close_master), with no final event.
#include <algorithm>
#include <cmath>

#include "cluster_impl.hpp"
#include "connection.hpp"

namespace mesoshttp::sim {

namespace {

namespace master = mesos::v1::master;

// A FrameworkInfo as the master shows it: with the fields it writes even
// when the scheduler did not send them.
mesos::v1::FrameworkInfo shown_info(mesos::v1::FrameworkInfo info) {
  if (!info.has_checkpoint()) info.set_checkpoint(false);
  if (!info.has_failover_timeout()) info.set_failover_timeout(0);
  return info;
}

}  // namespace

void cluster::impl::operator_subscribe(const std::shared_ptr<connection>& c, encoding enc) {
  c->send("HTTP/1.1 200 OK\r\nDate: " + detail::http_date() +
          "\r\nTransfer-Encoding: chunked\r\nContent-Type: " + std::string(content_type(enc)) + "\r\n\r\n");
  c->streaming = true;
  c->operator_stream = true;
  c->enc = enc;
  c->send_event(operator_subscribed());
  master::Event heartbeat;
  heartbeat.set_type(master::Event::HEARTBEAT);
  if (!heartbeats_paused) c->send_event(heartbeat);
  c->arm_heartbeat();
  c->watch_stream();
  // Over the limit, the oldest streams end (connection ids grow with age).
  std::vector<std::shared_ptr<connection>> open;
  for (auto& [id, weak] : masters[c->master]->connections)
    if (auto s = weak.lock(); s && s->operator_stream && !s->closed) open.push_back(s);
  std::sort(open.begin(), open.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  for (std::size_t i = 0; i + cfg.max_operator_subscribers < open.size(); ++i) open[i]->graceful_close();
}

master::Event cluster::impl::operator_subscribed() const {
  master::Event e;
  e.set_type(master::Event::SUBSCRIBED);
  *e.mutable_subscribed()->mutable_get_state() = operator_state();
  e.mutable_subscribed()->set_heartbeat_interval_seconds(std::chrono::duration<double>(cfg.heartbeat_interval).count());
  return e;
}

master::Response::GetFrameworks::Framework cluster::impl::operator_framework(const sim_framework& fw) const {
  // Unlike GET_FRAMEWORKS: unregistered_time 0, no offer_constraints, no
  // resources (as a real master's createFrameworkAdded/Updated).
  master::Response::GetFrameworks::Framework f;
  *f.mutable_framework_info() = shown_info(fw.info);
  f.mutable_framework_info()->mutable_id()->set_value(fw.id);
  f.set_active(fw.connected);
  f.set_connected(fw.connected);
  f.set_recovered(false);
  *f.mutable_registered_time() = detail::time_info(fw.registered_time);
  *f.mutable_reregistered_time() = detail::time_info(fw.reregistered_time);
  f.mutable_unregistered_time()->set_nanoseconds(0);
  return f;
}

void cluster::impl::emit_framework_added(const sim_framework& fw) {
  master::Event e;
  e.set_type(master::Event::FRAMEWORK_ADDED);
  *e.mutable_framework_added()->mutable_framework() = operator_framework(fw);
  to_frameworks->operator_event(e);
}

void cluster::impl::emit_framework_updated(const sim_framework& fw) {
  master::Event e;
  e.set_type(master::Event::FRAMEWORK_UPDATED);
  *e.mutable_framework_updated()->mutable_framework() = operator_framework(fw);
  to_frameworks->operator_event(e);
}

void cluster::impl::emit_framework_removed(const mesos::v1::FrameworkInfo& info) {
  master::Event e;
  e.set_type(master::Event::FRAMEWORK_REMOVED);
  *e.mutable_framework_removed()->mutable_framework_info() = shown_info(info);
  to_frameworks->operator_event(e);
}

void cluster::impl::emit_task_added(const sim_framework& fw, const sim_task& t) {
  master::Event e;
  e.set_type(master::Event::TASK_ADDED);
  // At launch: TASK_STAGING and no statuses yet.
  *e.mutable_task_added()->mutable_task() = operator_task(fw.id, t);
  to_frameworks->operator_event(e);
}

void cluster::impl::emit_task_updated(const std::string& framework_id, const sim_task& t, const TaskStatus& status) {
  master::Event e;
  e.set_type(master::Event::TASK_UPDATED);
  auto& u = *e.mutable_task_updated();
  u.mutable_framework_id()->set_value(framework_id);
  *u.mutable_status() = status;
  u.set_state(t.state);
  to_frameworks->operator_event(e);
}

}  // namespace mesoshttp::sim
