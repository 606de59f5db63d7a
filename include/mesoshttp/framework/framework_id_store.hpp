// Where a framework keeps its id between runs. Without it a restarted
// scheduler subscribes as a new framework: the old one's tasks are orphaned
// and killed after its failover_timeout. Give the client a store
// (client_config::framework_id_store) and it fails over with the stored id at
// start, stores the id of every SUBSCRIBED before any consumer sees it, and
// clears it when the master says the framework was removed.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

namespace mesoshttp {

class framework_id_store {
 public:
  virtual ~framework_id_store() = default;
  // The stored id; nullopt when there is none (the first run). An unreadable
  // or corrupt store, or one of another framework, is an error
  // (error::framework_id_store) with `why` naming the place and the fault:
  // guessing would orphan the framework's tasks or steal another's.
  virtual std::optional<std::string> load(std::error_code& ec, std::string& why) = 0;
  // Replaces the stored id. Returns only once it is durable.
  virtual std::error_code save(const std::string& framework_id, std::string& why) = 0;
  // Forgets the id (the framework was removed: the next run registers anew).
  virtual std::error_code clear(std::string& why) = 0;
};

// One small text file per framework:
//   mesoshttp framework id v1
//   name <framework name>
//   id <framework id>
// Written atomically (a temporary file beside it, fsync, rename, fsync of the
// folder), so a kill at any moment leaves the old id or the new one, never a
// torn file. The name guards against a state folder shared by mistake.
class file_framework_id_store final : public framework_id_store {
 public:
  file_framework_id_store(std::filesystem::path file, std::string framework_name);

  std::optional<std::string> load(std::error_code& ec, std::string& why) override;
  std::error_code save(const std::string& framework_id, std::string& why) override;
  std::error_code clear(std::string& why) override;

  const std::filesystem::path& path() const noexcept { return file_; }

 private:
  std::filesystem::path file_;
  std::string name_;
};

// Writes `contents` to `file` atomically and durably (see above). Also used by
// the task store of the toolkit.
std::error_code write_file_atomically(const std::filesystem::path& file, const std::string& contents, std::string& why);

}  // namespace mesoshttp
