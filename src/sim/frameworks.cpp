// Frameworks on the simulated master: SUBSCRIBE (and failover to a new
// stream), disconnection and the failover timeout, removal, and the calls of
// a subscribed framework, each handed to the unit that owns its rule.
#include "cluster_impl.hpp"
#include "connection.hpp"

namespace mesoshttp::sim {

std::vector<std::string> detail::roles_of(const mesos::v1::FrameworkInfo& info) {
  std::vector<std::string> out;
  bool multi = info.roles_size() > 0;
  for (const auto& c : info.capabilities())
    if (c.type() == mesos::v1::FrameworkInfo::Capability::MULTI_ROLE) multi = true;
  if (!multi) return {info.role()};
  for (const auto& r : info.roles())
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  return out;
}

void cluster::impl::subscribe(const std::shared_ptr<connection>& c, const protocol::parsed_call& pc) {
  const sim_master& m = *masters[c->master];
  mesos::v1::FrameworkInfo info = pc.call.subscribe().framework_info();
  std::string fw_id = info.has_id() ? info.id().value() : pc.call.framework_id().value();
  const std::string stream_id = protocol::random_uuid();

  const std::string head = "HTTP/1.1 200 OK\r\nDate: " + detail::http_date() +
                           "\r\nTransfer-Encoding: chunked\r\nMesos-Stream-Id: " + stream_id +
                           "\r\nContent-Type: " + std::string(content_type(pc.response_encoding)) + "\r\n\r\n";

  // A torn-down framework cannot come back: the master says so on the stream.
  std::optional<std::string> invalid;
  if (!fw_id.empty() && removed_frameworks.count(fw_id))
    invalid = "Framework has been removed";
  else
    invalid = detail::check_suppressed_roles(info, pc.call.subscribe().suppressed_roles());
  auto constraints = detail::compile_constraints(pc.call.subscribe().offer_constraints(), detail::roles_of(info));
  if (!invalid) {
    if (auto* why = std::get_if<std::string>(&constraints)) invalid = *why;
  }
  if (invalid) {
    // As a real master answers an invalid SUBSCRIBE: the stream opens and
    // carries one ERROR event, then ends.
    record("SUBSCRIBE", 200, stream_id, fw_id, m.index);
    c->send(head);
    c->enc = pc.response_encoding;
    c->end_stream_with_error(*invalid);
    return;
  }
  if (fw_id.empty()) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "-%04llu", static_cast<unsigned long long>(next_framework++));
    fw_id = m.id + suffix;
  }
  info.mutable_id()->set_value(fw_id);

  auto it = frameworks.find(fw_id);
  const bool added = it == frameworks.end();
  if (added) {
    auto fw = std::make_unique<sim_framework>(ioc);
    fw->id = fw_id;
    it = frameworks.emplace(fw_id, std::move(fw)).first;
  }
  sim_framework& fw = *it->second;
  fw.failover.cancel();
  if (auto old = fw.stream.lock(); old && !old->closed)
    old->end_stream_with_error("Framework failed over");  // its end no longer disconnects the framework
  fw.info = info;
  fw.connected = true;
  fw.stream = c;
  fw.stream_id = stream_id;
  fw.enc = pc.response_encoding;
  // SUBSCRIBE replaces the set of suppressed roles (validated above).
  fw.suppressed = std::set<std::string>(pc.call.subscribe().suppressed_roles().begin(),
                                        pc.call.subscribe().suppressed_roles().end());
  fw.constraints = std::move(std::get<detail::offer_constraints>(constraints));
  // Operator subscribers hear of it: a new framework, or one that failed
  // over or came back (with its new reregistered_time).
  if (added) {
    emit_framework_added(fw);
  } else {
    fw.reregistered_time = detail::now_seconds();
    emit_framework_updated(fw);
  }

  c->streaming = true;
  c->framework_id = fw_id;
  c->stream_id = stream_id;
  c->enc = pc.response_encoding;
  record("SUBSCRIBE", 200, stream_id, fw_id, m.index);
  c->send(head);

  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(fw_id);
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(
      std::chrono::duration<double>(cfg.heartbeat_interval).count());
  *subscribed.mutable_subscribed()->mutable_master_info() = master_info(m.index);
  c->send_event(subscribed);
  Event heartbeat;
  heartbeat.set_type(Event::HEARTBEAT);
  if (!heartbeats_paused) c->send_event(heartbeat);
  c->arm_heartbeat();
  c->watch_stream();

  // Updates that were waiting for the framework to come back.
  for (auto& [tid, t] : fw.tasks)
    if (!t->pending.empty()) send_head(fw, *t);
  for (auto& [oid, op] : fw.operations)
    if (op->pending) send_operation_head(fw, oid);
  schedule_allocation();
}

void cluster::impl::stream_closed(connection& c) {
  c.streaming = false;
  const auto it = frameworks.find(c.framework_id);
  if (it == frameworks.end()) return;
  sim_framework& fw = *it->second;
  if (fw.stream.lock().get() != &c && !fw.stream.expired()) return;
  disconnect(fw);
}

void cluster::impl::disconnect(sim_framework& fw) {
  if (!fw.connected) return;
  fw.connected = false;
  fw.stream.reset();
  remove_offers_of(fw.id);
  forget_inverse_offers(fw.id);
  const double requested = fw.info.failover_timeout();
  if (requested <= 0) {
    remove_framework(fw.id);
    return;
  }
  auto timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(std::min(requested, 1e9)));
  timeout = std::min(timeout, cfg.failover_timeout_cap);
  fw.failover.expires_after(timeout);
  const std::string id = fw.id;
  fw.failover.async_wait([this, id](beast::error_code ec) {
    if (ec) return;
    const auto it = frameworks.find(id);
    if (it != frameworks.end() && !it->second->connected) remove_framework(id);
  });
}

void cluster::impl::remove_framework(const std::string& id) {
  const auto it = frameworks.find(id);
  if (it == frameworks.end()) return;
  sim_framework& fw = *it->second;
  fw.failover.cancel();
  for (auto& [oid, op] : fw.operations) op->retry.cancel();
  remove_offers_of(id);
  forget_inverse_offers(id);
  for (auto& [tid, t] : fw.tasks) {
    t->retry.cancel();
    t->progress.cancel();
    if (!is_terminal(t->state)) detail::add(agents[t->agent].available, t->resources);
    stop_process(*t, true);
  }
  shutdown_executors(id);
  to_frameworks->end_stream(id);
  removed_frameworks.insert(id);
  // The operator API lists it, and its tasks, as completed.
  for (auto& [tid, t] : fw.tasks) {
    if (!is_terminal(t->state) || !t->pending.empty()) {
      // A live task, or one whose last update was not acknowledged, ends
      // with the master's own TASK_KILLED, as a real master records it.
      end_task_by_master(id, *t, mesos::v1::TASK_KILLED, TaskStatus::REASON_FRAMEWORK_REMOVED,
                         "Framework " + id + " removed");
    }
    keep_completed_task(id, t);
  }
  // After its tasks' TASK_UPDATEDs, as a real master sends them.
  emit_framework_removed(fw.info);
  completed_frameworks.push_back({fw.info, fw.registered_time, detail::now_seconds()});
  if (completed_frameworks.size() > 50) completed_frameworks.pop_front();
  frameworks.erase(it);
  schedule_allocation();
}

void cluster::impl::send_event(sim_framework& fw, const Event& event) {
  if (fw.connected) to_frameworks->send(fw.id, event);
}

protocol::answer cluster::impl::on_call(sim_framework& fw, const protocol::parsed_call& pc) {
  const Call& call = pc.call;
  switch (call.type()) {
    case Call::TEARDOWN: remove_framework(fw.id); return protocol::empty(202);
    case Call::ACCEPT: accept(fw, call.accept()); return protocol::empty(202);
    case Call::DECLINE:
      for (const auto& id : call.decline().offer_ids()) {
        const auto it = offers.find(id.value());
        if (it == offers.end() || it->second.framework_id != fw.id) continue;
        refuse(fw, it->second.role, it->second.agent, call.decline().filters());
        return_offer(id.value(), false);
      }
      schedule_allocation();
      return protocol::empty(202);
    case Call::REVIVE: {
      // The named roles (none = all the framework's roles) are offered again,
      // and their DECLINE filters are gone. Roles the framework does not
      // have are ignored.
      const auto roles = call.revive().roles_size() > 0
                             ? std::vector<std::string>(call.revive().roles().begin(), call.revive().roles().end())
                             : fw.roles();
      for (const auto& role : roles) {
        fw.suppressed.erase(role);
        std::erase_if(fw.filters, [&](const auto& f) { return f.first.first == role; });
      }
      schedule_allocation();
      return protocol::empty(202);
    }
    case Call::SUPPRESS: {
      // Outstanding offers stay; only new ones stop.
      const auto roles = call.suppress().roles_size() > 0
                             ? std::vector<std::string>(call.suppress().roles().begin(), call.suppress().roles().end())
                             : fw.roles();
      for (const auto& role : roles)
        if (fw.has_role(role)) fw.suppressed.insert(role);
      return protocol::empty(202);
    }
    case Call::KILL: kill(fw, call.kill().task_id().value()); return protocol::empty(202);
    case Call::SHUTDOWN: {
      std::vector<std::string> ids;
      for (const auto& [tid, t] : fw.tasks)
        if (t->executor_id == call.shutdown().executor_id().value()) ids.push_back(tid);
      for (const auto& id : ids) kill(fw, id);
      return protocol::empty(202);
    }
    case Call::ACKNOWLEDGE: acknowledge(fw, call.acknowledge()); return protocol::empty(202);
    case Call::RECONCILE: reconcile(fw, call.reconcile()); return protocol::empty(202);
    case Call::ACCEPT_INVERSE_OFFERS:
      answer_inverse_offers(fw, call.accept_inverse_offers().inverse_offer_ids(), true);
      return protocol::empty(202);
    case Call::DECLINE_INVERSE_OFFERS:
      answer_inverse_offers(fw, call.decline_inverse_offers().inverse_offer_ids(), false);
      return protocol::empty(202);
    case Call::ACKNOWLEDGE_OPERATION_STATUS:
      acknowledge_operation(fw, call.acknowledge_operation_status());
      return protocol::empty(202);
    case Call::RECONCILE_OPERATIONS: {
      const auto response = reconcile_operations(fw, call.reconcile_operations());
      protocol::answer a = protocol::empty(200);
      std::string why;
      if (encode_coercing_utf8(response, pc.response_encoding, a.body, &why)) {
        report_encode_failure(response, why);
        return protocol::text(500, "Failed to encode the response: " + why);
      }
      a.content_type = std::string(content_type(pc.response_encoding));
      return a;
    }
    case Call::UPDATE_FRAMEWORK: {
      mesos::v1::FrameworkInfo info = call.update_framework().framework_info();
      info.mutable_id()->set_value(fw.id);
      const auto& suppressed = call.update_framework().suppressed_roles();
      if (auto why = detail::check_suppressed_roles(info, suppressed)) return protocol::text(400, *why);
      auto constraints =
          detail::compile_constraints(call.update_framework().offer_constraints(), detail::roles_of(info));
      if (auto* why = std::get_if<std::string>(&constraints)) return protocol::text(400, *why);
      fw.info = info;
      // The update replaces the constraints (none when absent).
      fw.constraints = std::move(std::get<detail::offer_constraints>(constraints));
      // The update replaces the set of suppressed roles.
      fw.suppressed = std::set<std::string>(suppressed.begin(), suppressed.end());
      // Roles the framework no longer has lose their offers and filters, and
      // offers its new constraints exclude are rescinded.
      std::vector<std::string> stale;
      for (const auto& [id, o] : offers) {
        if (o.framework_id != fw.id) continue;
        const sim_agent& a = agents[o.agent];
        if (!fw.has_role(o.role) || !detail::satisfies(fw.constraints, o.role, {a.spec.hostname, &a.spec.attributes}))
          stale.push_back(id);
      }
      for (const auto& id : stale) return_offer(id, true);
      std::erase_if(fw.filters, [&](const auto& f) { return !fw.has_role(f.first.first); });
      emit_framework_updated(fw);
      schedule_allocation();
      return protocol::empty(200);
    }
    case Call::MESSAGE: scheduler_message(fw, call.message()); return protocol::empty(202);
    default:  // REQUEST, inverse offers, operation acknowledgements
      return protocol::empty(202);
  }
}

}  // namespace mesoshttp::sim
