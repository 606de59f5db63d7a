// Resource arithmetic of the simulated master: pools of mesos::v1::Resource
// where resources of the same kind (name, type, reservations, disk) merge.
// Only what offers, launches and reservations need: scalars and ranges.
#pragma once

#include <string>
#include <vector>

#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::sim::detail {

using pool = std::vector<mesos::v1::Resource>;

// The resource without allocation_info and the deprecated role (a role other
// than "*" becomes a STATIC reservation), as the pools store it.
mesos::v1::Resource normalized(const mesos::v1::Resource& r);

bool contains(const pool& p, const mesos::v1::Resource& r);
bool contains(const pool& p, const pool& wanted);
void add(pool& p, const mesos::v1::Resource& r);
void add(pool& p, const pool& more);
// Precondition: contains(p, r).
void subtract(pool& p, const mesos::v1::Resource& r);
void subtract(pool& p, const pool& less);

// The reservation role of a resource, "*" when unreserved.
std::string reservation_role(const mesos::v1::Resource& r);
// The resource as it was before its last reservation (or persistence).
mesos::v1::Resource unreserved(const mesos::v1::Resource& r);
mesos::v1::Resource without_volume(const mesos::v1::Resource& r);

// "cpus:0.5; mem:32" for messages.
std::string describe(const pool& p);

}  // namespace mesoshttp::sim::detail
