# herald_embed_text(<target> <symbol> <file>): compiles <file> into <target> as
# `extern const std::string_view <symbol>`, so Lua sources stay readable .lua
# files and the binary carries them (no path lookup at run time).
function(herald_embed_text target symbol file)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${symbol}.cpp")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${out} -DSYMBOL=${symbol}
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    DEPENDS "${file}" "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
