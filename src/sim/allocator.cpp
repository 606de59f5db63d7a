// The simulated master's allocator: every offer_interval (and soon after
// anything frees resources) each agent's available resources are offered,
// per role, round robin over the frameworks' roles that are not suppressed,
// skipping DECLINE/ACCEPT filters and roles the offer constraints exclude.
#include "cluster_impl.hpp"

namespace mesoshttp::sim {

bool cluster::impl::leader_serving() const {
  return leader_index && masters[*leader_index]->phase == master_phase::serving;
}

std::string cluster::impl::new_offer_id() { return masters[*leader_index]->id + "-O" + std::to_string(next_offer++); }

mesos::v1::URL cluster::impl::agent_url(const sim_agent& a) const {
  mesos::v1::URL url;
  url.set_scheme("http");
  url.mutable_address()->set_hostname(a.spec.hostname);
  url.mutable_address()->set_ip(cfg.host);
  url.mutable_address()->set_port(5051);
  url.set_path("/slave(1)");
  return url;
}

void cluster::impl::refuse(sim_framework& fw, const std::string& role, std::size_t agent,
                           const mesos::v1::Filters& filters) {
  const double seconds = filters.refuse_seconds();
  if (seconds > 0)
    fw.filters[{role, agent}] = clock_type::now() + std::chrono::duration_cast<clock_type::duration>(
                                                        std::chrono::duration<double>(std::min(seconds, 1e9)));
}

void cluster::impl::schedule_allocation() {
  if (allocation_posted) return;
  allocation_posted = true;
  net::post(ioc, [this] {
    allocation_posted = false;
    allocate();
  });
}

mesos::v1::Offer cluster::impl::make_offer(const sim_offer& o, const sim_framework& fw) const {
  const sim_agent& a = agents[o.agent];
  mesos::v1::Offer offer;
  offer.mutable_id()->set_value(o.id);
  offer.mutable_framework_id()->set_value(fw.id);
  offer.mutable_agent_id()->set_value(a.id);
  offer.set_hostname(a.spec.hostname);
  *offer.mutable_url() = agent_url(a);
  for (const auto& r : o.resources) {
    auto* out = offer.add_resources();
    *out = r;
    const std::string role = detail::reservation_role(r);
    out->set_role(role);
    out->mutable_allocation_info()->set_role(o.role);
  }
  for (const auto& [name, value] : a.spec.attributes) {
    auto* attr = offer.add_attributes();
    attr->set_name(name);
    attr->set_type(mesos::v1::Value::TEXT);
    attr->mutable_text()->set_value(value);
  }
  offer.mutable_allocation_info()->set_role(o.role);
  if (a.maintenance) *offer.mutable_unavailability() = *a.maintenance;
  return offer;
}

void cluster::impl::allocate() {
  if (!leader_serving()) {
    allocation_timer.expires_after(cfg.offer_interval);
    allocation_timer.async_wait([this](beast::error_code ec) {
      if (!ec) allocate();
    });
    return;
  }
  // One candidate per (framework, role) that is not suppressed: offers are
  // made per role, as a multi-role framework sees them on a real master.
  std::vector<std::pair<sim_framework*, std::string>> eligible;
  for (auto& [id, fw] : frameworks) {
    if (!fw->connected) continue;
    for (auto& role : fw->roles())
      if (!fw->suppressed.count(role)) eligible.emplace_back(fw.get(), std::move(role));
  }
  std::map<sim_framework*, Event> events;
  const auto now = clock_type::now();
  if (!eligible.empty()) {
    for (std::size_t ai = 0; ai < agents.size(); ++ai) {
      sim_agent& a = agents[ai];
      if (a.available.empty() || a.deactivated || a.gone) continue;
      for (std::size_t k = 0; k < eligible.size(); ++k) {
        const auto& [fwp, role] = eligible[(round_robin + k) % eligible.size()];
        sim_framework& fw = *fwp;
        const auto f = fw.filters.find({role, ai});
        if (f != fw.filters.end() && f->second > now) continue;
        if (!detail::satisfies(fw.constraints, role, {a.spec.hostname, &a.spec.attributes})) continue;
        detail::pool offered;
        for (const auto& r : a.available) {
          const std::string reserved_for = detail::reservation_role(r);
          if (reserved_for == "*" || reserved_for == role) offered.push_back(r);
        }
        if (offered.empty()) continue;
        detail::subtract(a.available, offered);
        sim_offer o;
        o.id = new_offer_id();
        o.framework_id = fw.id;
        o.role = role;
        o.agent = ai;
        o.resources = offered;
        auto& ev = events[&fw];
        ev.set_type(Event::OFFERS);
        *ev.mutable_offers()->add_offers() = make_offer(o, fw);
        if (cfg.offer_timeout.count() > 0) {
          o.timeout = std::make_unique<net::steady_timer>(ioc, cfg.offer_timeout);
          o.timeout->async_wait([this, id = o.id](beast::error_code ec) {
            if (!ec) return_offer(id, true);
          });
        }
        offers.emplace(o.id, std::move(o));
        // No break: what is left (resources reserved for other roles) may
        // still go to the next candidates.
        if (a.available.empty()) break;
      }
    }
    ++round_robin;
  }
  for (auto& [fw, ev] : events) send_event(*fw, ev);
  send_inverse_offers();
  allocation_timer.cancel();
  allocation_timer.expires_after(cfg.offer_interval);
  allocation_timer.async_wait([this](beast::error_code ec) {
    if (!ec) allocate();
  });
}

void cluster::impl::return_offer(const std::string& offer_id, bool rescind) {
  const auto it = offers.find(offer_id);
  if (it == offers.end()) return;
  detail::add(agents[it->second.agent].available, it->second.resources);
  if (rescind) {
    const auto fw = frameworks.find(it->second.framework_id);
    if (fw != frameworks.end()) {
      Event e;
      e.set_type(Event::RESCIND);
      e.mutable_rescind()->mutable_offer_id()->set_value(offer_id);
      send_event(*fw->second, e);
    }
  }
  if (it->second.timeout) it->second.timeout->cancel();
  offers.erase(it);
}

void cluster::impl::remove_offers_of(const std::string& framework_id) {
  std::vector<std::string> ids;
  for (const auto& [id, o] : offers)
    if (o.framework_id == framework_id) ids.push_back(id);
  for (const auto& id : ids) return_offer(id, false);
}

void cluster::impl::rescind_offers_of(std::size_t agent) {
  std::vector<std::string> ids;
  for (const auto& [id, o] : offers)
    if (o.agent == agent) ids.push_back(id);
  for (const auto& id : ids) return_offer(id, true);
}

}  // namespace mesoshttp::sim
