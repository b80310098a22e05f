#ifndef LOSSLAB_CNCURSESW_SHIM_H
#define LOSSLAB_CNCURSESW_SHIM_H
// Wide-character ncurses: these must be defined before the header is read.
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

// ncurses exposes several of its entry points as macros, which Swift cannot call.
static inline int losslab_lines(void) { return LINES; }
static inline int losslab_cols(void) { return COLS; }
static inline int losslab_color_pair(int n) { return (int)COLOR_PAIR(n); }
static inline WINDOW *losslab_stdscr(void) { return stdscr; }
#endif
