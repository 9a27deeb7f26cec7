#include "nninit/cli/output.h"

#include <system_error>

#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/options.h"
#include "nninit/core/error.h"
#include "nninit/io/file.h"

namespace nninit::cli {
namespace {

// Turns the writers' IoErrors (the system refused) into the command's Failure (exit status 3).
template <class Fn>
auto io_step(Fn&& fn) {
  try {
    return fn();
  } catch (const IoError& e) {
    throw Failure(e.what());
  }
}

}  // namespace

OutputTarget output_target(const std::string& output, const std::string& max_shard_size,
                           std::initializer_list<std::string> inputs) {
  OutputTarget target;
  if (!max_shard_size.empty()) {
    if (output.empty()) throw UsageError("--max-shard-size: give the checkpoint directory with -o DIR");
    target.max_shard_size = parse_shard_size(max_shard_size);
  }
  if (output.empty()) return target;
  target.directory = target.max_shard_size.has_value() || output.ends_with('/');
  if (!target.directory) {
    check_output("-o", output, inputs);
    target.path = output;
    return target;
  }
  std::string directory = output;
  while (directory.size() > 1 && directory.ends_with('/')) directory.pop_back();
  target.path = directory;
  for (const std::string& input : inputs) {
    // A config.json beside the checkpoint is fine (save_pretrained puts one there); an input the commit could
    // replace or remove is not.
    if (input.empty() || !io::is_checkpoint_file_name(std::filesystem::path(input).filename().string()))
      continue;
    const std::filesystem::path folder = std::filesystem::path(input).parent_path();
    std::error_code error;
    if (std::filesystem::equivalent(folder.empty() ? "." : folder, target.path, error)) {
      throw UsageError(fmt::format(
          "-o {}: the checkpoint written there would replace or remove the input '{}'", output, input));
    }
  }
  std::error_code error;
  const auto type = std::filesystem::status(target.path, error).type();
  try {
    if (type == std::filesystem::file_type::directory) {
      io::check_output_path(target.path / io::single_checkpoint_name, "-o");
    } else if (type == std::filesystem::file_type::not_found) {
      io::check_output_path(target.path, "-o");  // its parent is an existing, writable folder
    } else {
      throw IoError(
          fmt::format("-o: '{}' is not a directory; a checkpoint (--max-shard-size, or a path ending "
                      "in '/') is written into one",
                      target.path.string()));
    }
  } catch (const IoError& e) {
    throw Failure(e.what());
  }
  return target;
}

SafetensorsOutput::SafetensorsOutput(const OutputTarget& target, std::span<const io::TensorSpec> tensors,
                                     const io::Metadata& metadata)
    : path_(target.path) {
  io_step([&] {
    if (target.directory) {
      directory_ = std::make_unique<io::ShardedSafetensorsWriter>(target.path, tensors, target.max_shard_size,
                                                                  metadata);
    } else {
      file_ = std::make_unique<io::SafetensorsWriter>(target.path, tensors, metadata);
    }
  });
}

Tensor SafetensorsOutput::view(std::string_view name) {
  return io_step([&] { return file_ ? file_->view(name) : directory_->view(name); });
}

void SafetensorsOutput::write(std::string_view name, const Tensor& value) {
  io_step([&] { file_ ? file_->write(name, value) : directory_->write(name, value); });
}

void SafetensorsOutput::release(std::string_view name) {
  io_step([&] { file_ ? file_->release(name) : directory_->release(name); });
}

void SafetensorsOutput::commit() {
  io_step([&] { file_ ? file_->commit() : directory_->commit(); });
}

std::vector<std::filesystem::path> SafetensorsOutput::files() const {
  if (directory_) return directory_->files();
  return {path_};
}

}  // namespace nninit::cli
