# herald_embed_text(<target> <symbol> <file>...): compiles the files,
# concatenated in order, into <target> as
# `extern const std::string_view herald::embedded::<symbol>`, so Lua sources
# stay readable .lua files and the binary carries them.
function(herald_embed_text target symbol)
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${symbol}.cpp")
  string(REPLACE ";" "|" files "${ARGN}")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND ${CMAKE_COMMAND} "-DIN=${files}" -DOUT=${out} -DSYMBOL=${symbol}
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    DEPENDS ${ARGN} "${PROJECT_SOURCE_DIR}/cmake/embed_run.cmake"
    VERBATIM)
  target_sources(${target} PRIVATE "${out}")
endfunction()
