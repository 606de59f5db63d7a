#include "resources.hpp"

// Resource.role, FrameworkInfo.role and Response.reconcile_operations are
// deprecated in the schema, but a real 1.11 master still reads and sets them
// (offers carry "role":"*"), so the simulator must too.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mesoshttp::sim::detail {

namespace {

using mesos::v1::Resource;
using mesos::v1::Value;
using ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

// Mesos compares scalars in fixed point with three decimals; so do we, or
// 0.1 + 0.2 would not fit into an offer of 0.3.
double fixed(double v) { return std::round(v * 1000.0) / 1000.0; }

std::string key(const Resource& r) {
  Resource k = normalized(r);
  k.clear_scalar();
  k.clear_ranges();
  k.clear_set();
  return k.SerializeAsString();
}

ranges to_ranges(const Resource& r) {
  ranges out;
  for (const auto& range : r.ranges().range()) out.emplace_back(range.begin(), range.end());
  std::sort(out.begin(), out.end());
  ranges merged;
  for (const auto& [b, e] : out) {
    if (!merged.empty() && b <= merged.back().second + 1)
      merged.back().second = std::max(merged.back().second, e);
    else
      merged.emplace_back(b, e);
  }
  return merged;
}

void set_ranges(Resource& r, const ranges& rs) {
  r.clear_ranges();
  auto* out = r.mutable_ranges();
  for (const auto& [b, e] : rs) {
    auto* range = out->add_range();
    range->set_begin(b);
    range->set_end(e);
  }
}

bool empty_resource(const Resource& r) {
  if (r.type() == Value::SCALAR) return fixed(r.scalar().value()) <= 0.0;
  if (r.type() == Value::RANGES) return r.ranges().range_size() == 0;
  return r.set().item_size() == 0;
}

pool::iterator find(pool& p, const std::string& k) {
  return std::find_if(p.begin(), p.end(), [&](const Resource& r) { return key(r) == k; });
}

}  // namespace

Resource normalized(const Resource& r) {
  Resource n = r;
  n.clear_allocation_info();
  if (n.has_role() && n.role() != "*" && n.reservations_size() == 0) {
    auto* reservation = n.add_reservations();
    reservation->set_type(Resource::ReservationInfo::STATIC);
    reservation->set_role(n.role());
  }
  n.clear_role();
  n.clear_reservation();
  return n;
}

bool contains(const pool& p, const Resource& r) {
  const std::string k = key(r);
  const auto it = std::find_if(p.begin(), p.end(), [&](const Resource& x) { return key(x) == k; });
  if (it == p.end()) return empty_resource(r);
  if (r.type() == Value::SCALAR) return fixed(it->scalar().value()) >= fixed(r.scalar().value());
  if (r.type() == Value::RANGES) {
    const ranges have = to_ranges(*it);
    for (const auto& want : to_ranges(r)) {
      // Not a structured binding: clang 14 cannot capture those in a lambda.
      const bool inside = std::any_of(have.begin(), have.end(),
                                      [&](const auto& h) { return h.first <= want.first && want.second <= h.second; });
      if (!inside) return false;
    }
    return true;
  }
  for (const auto& item : r.set().item()) {
    if (std::find(it->set().item().begin(), it->set().item().end(), item) == it->set().item().end()) return false;
  }
  return true;
}

bool contains(const pool& p, const pool& wanted) {
  pool rest = p;
  for (const auto& r : wanted) {
    if (!contains(rest, r)) return false;
    subtract(rest, r);
  }
  return true;
}

void add(pool& p, const Resource& r) {
  if (empty_resource(r)) return;
  const auto it = find(p, key(r));
  if (it == p.end()) {
    p.push_back(normalized(r));
    return;
  }
  if (r.type() == Value::SCALAR) {
    it->mutable_scalar()->set_value(fixed(it->scalar().value() + r.scalar().value()));
  } else if (r.type() == Value::RANGES) {
    ranges all = to_ranges(*it);
    for (const auto& x : to_ranges(r)) all.push_back(x);
    Resource tmp;
    set_ranges(tmp, all);
    set_ranges(*it, to_ranges(tmp));
  } else {
    for (const auto& item : r.set().item()) {
      if (std::find(it->set().item().begin(), it->set().item().end(), item) == it->set().item().end())
        it->mutable_set()->add_item(item);
    }
  }
}

void add(pool& p, const pool& more) {
  for (const auto& r : more) add(p, r);
}

void subtract(pool& p, const Resource& r) {
  const auto it = find(p, key(r));
  if (it == p.end()) return;
  if (r.type() == Value::SCALAR) {
    it->mutable_scalar()->set_value(fixed(it->scalar().value() - r.scalar().value()));
  } else if (r.type() == Value::RANGES) {
    ranges have = to_ranges(*it);
    for (const auto& [b, e] : to_ranges(r)) {
      ranges next;
      for (const auto& [hb, he] : have) {
        if (e < hb || b > he) {
          next.emplace_back(hb, he);
          continue;
        }
        if (hb < b) next.emplace_back(hb, b - 1);
        if (e < he) next.emplace_back(e + 1, he);
      }
      have = std::move(next);
    }
    set_ranges(*it, have);
  } else {
    auto* items = it->mutable_set()->mutable_item();
    for (const auto& item : r.set().item()) {
      const auto pos = std::find(items->begin(), items->end(), item);
      if (pos != items->end()) items->erase(pos);
    }
  }
  if (empty_resource(*it)) p.erase(it);
}

void subtract(pool& p, const pool& less) {
  for (const auto& r : less) subtract(p, r);
}

std::string reservation_role(const Resource& r) {
  const Resource n = normalized(r);
  if (n.reservations_size() == 0) return "*";
  return n.reservations(n.reservations_size() - 1).role();
}

Resource unreserved(const Resource& r) {
  Resource n = normalized(r);
  if (n.reservations_size() > 0) n.mutable_reservations()->RemoveLast();
  return n;
}

Resource without_volume(const Resource& r) {
  Resource n = normalized(r);
  n.clear_disk();
  n.clear_shared();
  return n;
}

std::string describe(const pool& p) {
  std::ostringstream out;
  bool first = true;
  for (const auto& r : p) {
    if (!first) out << "; ";
    first = false;
    out << r.name();
    const std::string role = reservation_role(r);
    if (role != "*") out << "(reservations: [(DYNAMIC," << role << ")])";
    out << ':';
    if (r.type() == Value::SCALAR) {
      out << r.scalar().value();
    } else if (r.type() == Value::RANGES) {
      out << '[';
      for (int i = 0; i < r.ranges().range_size(); ++i) {
        if (i) out << ", ";
        out << r.ranges().range(i).begin() << '-' << r.ranges().range(i).end();
      }
      out << ']';
    } else {
      out << '{';
      for (int i = 0; i < r.set().item_size(); ++i) out << (i ? ", " : "") << r.set().item(i);
      out << '}';
    }
  }
  return out.str();
}

}  // namespace mesoshttp::sim::detail
