// The viewer's page (src/viewer/web/: index.html, app.js, style.css), embedded
// in the binary at build time by cmake/embed_files.cmake, so `medcred view`
// needs no file beside it and the page source stays readable in the repository.
//
// Thread safety: immutable static data.
#pragma once

#include <string_view>
#include <vector>

namespace medcred {

struct EmbeddedFile {
  std::string_view name;   // relative to src/viewer/web/ ("app.js")
  std::string_view bytes;  // the file's content
};

const std::vector<EmbeddedFile>& EmbeddedFiles();

}  // namespace medcred
