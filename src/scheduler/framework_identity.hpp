// The framework's id across runs, for the scheduler client: what the
// configured id and the framework-id store (client_config::framework_id_store)
// say at start, storing the id of each SUBSCRIBED, forgetting it when the
// master removed the framework. Without a store, only the configured id.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "mesoshttp/framework/framework_id_store.hpp"
#include "mesos/v1/mesos.pb.h"

namespace mesoshttp::detail {

class framework_identity {
 public:
  framework_identity(std::shared_ptr<framework_id_store> store, std::optional<mesos::v1::FrameworkID> configured)
      : store_(std::move(store)), id_(std::move(configured)) {}

  // At start: the id to subscribe with. A store that cannot be read, or that
  // holds an id other than the configured one, is an error (`why` says which):
  // subscribing as a new framework would orphan the stored one's tasks.
  std::error_code load(std::string& why);

  // SUBSCRIBED assigned (or confirmed) `id`: stored before anyone acts on it,
  // so no task is launched under an id a restart would not find. The id the
  // client subscribes and calls with from then on (id()).
  std::error_code subscribed(const mesos::v1::FrameworkID& id, std::string& why);

  // The master removed the framework: the stored id is dead.
  std::error_code removed(std::string& why);

  const std::optional<mesos::v1::FrameworkID>& id() const noexcept { return id_; }
  bool from_store() const noexcept { return from_store_; }

 private:
  std::shared_ptr<framework_id_store> store_;
  std::optional<mesos::v1::FrameworkID> id_;
  std::optional<std::string> stored_;  // what the store holds, as far as we know
  bool from_store_ = false;
};

}  // namespace mesoshttp::detail
