# allocbench plot: sources for `allocbench plot` and its tests.
# The lead's bench/CMakeLists.txt does include(host/plot.cmake), adds
# ${AB_PLOT_SOURCES} to the allocbench executable and calls ab_plot_main
# from bench/allocbench.c for the `plot` subcommand (see bench/host/plot.h).
# Host-only C (libc, fork/exec of gnuplot); nothing here is freestanding.

set(AB_PLOT_DIR ${CMAKE_CURRENT_LIST_DIR})
set(AB_PLOT_SOURCES
    ${AB_PLOT_DIR}/plot.c
    ${AB_PLOT_DIR}/plot_csv.c
    ${AB_PLOT_DIR}/plot_json.c
    ${AB_PLOT_DIR}/plot_load.c
    ${AB_PLOT_DIR}/plot_figs.c
    ${AB_PLOT_DIR}/plot_figs_more.c
    ${AB_PLOT_DIR}/plot_report.c)
# Where the gnuplot scripts are when neither --scripts nor ALLOCBENCH_PLOTS
# says: the source tree's plots/.
set_source_files_properties(${AB_PLOT_DIR}/plot.c PROPERTIES
    COMPILE_DEFINITIONS "AB_PLOT_SCRIPTS_DIR=\"${PROJECT_SOURCE_DIR}/plots\"")

# The plotter as a library, so the tests need no CLI.
add_library(ab_plot STATIC ${AB_PLOT_SOURCES})
target_include_directories(ab_plot PUBLIC ${AB_PLOT_DIR})
target_link_libraries(ab_plot PRIVATE ab_warnings PUBLIC m)

set(AB_PLOT_TESTS ${PROJECT_SOURCE_DIR}/tests/plots)
add_executable(plot_driver ${AB_PLOT_TESTS}/plot_driver.c)
target_link_libraries(plot_driver PRIVATE ab_plot ab_warnings)
add_executable(test_plots ${AB_PLOT_TESTS}/test_plots.c)
target_link_libraries(test_plots PRIVATE ab_plot ab_warnings)

find_program(AB_GNUPLOT gnuplot)
if(AB_GNUPLOT)
    add_test(NAME plots.report
             COMMAND test_plots report ${AB_PLOT_TESTS}/fixture ${AB_PLOT_TESTS}/expected.txt
                     ${CMAKE_CURRENT_BINARY_DIR}/plots-test)
    set_tests_properties(plots.report PROPERTIES TIMEOUT 300 LABELS plots)
else()
    message(STATUS "gnuplot not found: test plots.report is not registered "
                   "(Debian: apt-get install gnuplot-nox)")
endif()
add_test(NAME plots.malformed
         COMMAND test_plots malformed ${AB_PLOT_TESTS}/fixture
                 ${CMAKE_CURRENT_BINARY_DIR}/plots-test)
add_test(NAME plots.scripts_have_no_numbers COMMAND test_plots scripts ${PROJECT_SOURCE_DIR}/plots)
set_tests_properties(plots.malformed plots.scripts_have_no_numbers PROPERTIES
    TIMEOUT 120 LABELS plots)
