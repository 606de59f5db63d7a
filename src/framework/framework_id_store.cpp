#include "mesoshttp/framework/framework_id_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mesoshttp/error.hpp"

namespace mesoshttp {

namespace {

constexpr std::string_view header = "mesoshttp framework id v1";

std::string system_text(int err) { return std::strerror(err); }

// A name is one line of the file: line breaks in it become spaces, the same
// on save and on load, so the comparison still holds.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

bool plain_id(std::string_view id) {
  if (id.empty() || id.size() > 1024) return false;
  for (unsigned char c : id)
    if (c <= ' ' || c == 0x7f) return false;
  return true;
}

std::error_code fail(std::string& why, std::string text) {
  why = std::move(text);
  return make_error_code(error::framework_id_store);
}

}  // namespace

std::error_code write_file_atomically(const std::filesystem::path& file, const std::string& contents,
                                      std::string& why) {
  // The temporary file has a fixed name: one left by a kill during a write is
  // overwritten by the next one, never read.
  auto temp = file;
  temp += ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(why, "cannot create " + temp.string() + ": " + system_text(errno));
  std::size_t done = 0;
  while (done < contents.size()) {
    const auto n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return fail(why, "cannot write " + temp.string() + ": " + system_text(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(why, "cannot flush " + temp.string() + " to disk: " + system_text(err));
  }
  ::close(fd);
  if (::rename(temp.c_str(), file.c_str()) != 0)
    return fail(why, "cannot rename " + temp.string() + " to " + file.string() + ": " + system_text(errno));
  // The rename is durable only once the folder is.
  auto folder = file.parent_path();
  if (folder.empty()) folder = ".";
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return fail(why, "cannot open folder " + folder.string() + ": " + system_text(errno));
  const int synced = ::fsync(dir);
  const int err = errno;
  ::close(dir);
  if (synced != 0) return fail(why, "cannot flush folder " + folder.string() + " to disk: " + system_text(err));
  return {};
}

file_framework_id_store::file_framework_id_store(std::filesystem::path file, std::string framework_name)
    : file_(std::move(file)), name_(one_line(std::move(framework_name))) {}

std::optional<std::string> file_framework_id_store::load(std::error_code& ec, std::string& why) {
  ec = {};
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;  // the first run
    ec = fail(why, "cannot read the framework id file " + file_.string() + ": " + system_text(errno));
    return std::nullopt;
  }
  std::ostringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  if (in.bad()) {
    ec = fail(why, "cannot read the framework id file " + file_.string());
    return std::nullopt;
  }
  std::istringstream lines(text);
  std::string first, name_line, id_line, extra;
  std::getline(lines, first);
  std::getline(lines, name_line);
  std::getline(lines, id_line);
  const bool ended = !std::getline(lines, extra);
  const std::string_view id = std::string_view(id_line).substr(std::min<std::size_t>(3, id_line.size()));
  if (first != header || name_line.rfind("name ", 0) != 0 || id_line.rfind("id ", 0) != 0 || !plain_id(id) || !ended ||
      text.empty() || text.back() != '\n') {
    ec = fail(why, "the framework id file " + file_.string() + " is corrupt (expected \"" + std::string(header) +
                       "\", a name line and an id line): fix or remove it to register a new framework");
    return std::nullopt;
  }
  const std::string stored_name = name_line.substr(5);
  if (stored_name != name_) {
    ec = fail(why, "the framework id file " + file_.string() + " belongs to the framework \"" + stored_name +
                       "\", not \"" + name_ + "\"");
    return std::nullopt;
  }
  return std::string(id);
}

std::error_code file_framework_id_store::save(const std::string& framework_id, std::string& why) {
  if (!plain_id(framework_id)) return fail(why, "not a framework id: \"" + one_line(framework_id) + "\"");
  return write_file_atomically(file_, std::string(header) + "\nname " + name_ + "\nid " + framework_id + "\n", why);
}

std::error_code file_framework_id_store::clear(std::string& why) {
  std::error_code ec;
  std::filesystem::remove(file_, ec);
  if (ec) return fail(why, "cannot remove the framework id file " + file_.string() + ": " + ec.message());
  return {};
}

}  // namespace mesoshttp
