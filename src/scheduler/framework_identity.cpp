#include "scheduler/framework_identity.hpp"

#include "mesoshttp/error.hpp"

namespace mesoshttp::detail {

std::error_code framework_identity::load(std::string& why) {
  if (!store_) return {};
  std::error_code ec;
  stored_ = store_->load(ec, why);
  if (ec) return ec;
  if (!stored_) return {};
  if (id_ && id_->value() != *stored_) {
    why = "the configured framework id " + id_->value() + " differs from the stored one, " + *stored_ +
          ": configure one of them";
    return make_error_code(error::invalid_configuration);
  }
  if (!id_) {
    id_.emplace();
    id_->set_value(*stored_);
    from_store_ = true;
  }
  return {};
}

std::error_code framework_identity::subscribed(const mesos::v1::FrameworkID& id, std::string& why) {
  if (store_ && stored_ != id.value()) {
    if (auto ec = store_->save(id.value(), why)) return ec;  // not taken on: the client ends
    stored_ = id.value();
  }
  id_ = id;
  return {};
}

std::error_code framework_identity::removed(std::string& why) {
  if (!store_) return {};
  if (auto ec = store_->clear(why)) return ec;
  stored_.reset();
  return {};
}

}  // namespace mesoshttp::detail
