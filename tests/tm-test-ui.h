/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-test-ui.h: what the UI tests share to drive the app as a person does, under
 * Xvfb: starting it, waiting for the main loop, finding widgets by type, label,
 * row title or text shown, clicking buttons and flipping switches. */
#pragma once

#include <adwaita.h>

#include "tm-application.h"
#include "tm-window.h"

G_BEGIN_DECLS

/* How long tm_test_ui_wait_for() waits before giving up. */
#define TM_TEST_UI_WAIT_SECONDS 20

typedef gboolean (*TmTestUiCondition) (gpointer data);
typedef gboolean (*TmTestUiMatch)     (GtkWidget     *widget,
                                       gconstpointer  data);

/* The start of a UI test's main(): the locale as the app sets it (gtk_test_init()
 * would force C), @a11y as GTK_A11Y ("none", or "test" to check what a screen
 * reader is told), no session bus, the cairo renderer, then GTK and libadwaita.
 * Fails when there is no display. */
void       tm_test_ui_init            (int          *argc,
                                       char       ***argv,
                                       const char   *a11y);

/* Runs the main context until @cond holds or TM_TEST_UI_WAIT_SECONDS pass;
 * returns whether it held. */
gboolean   tm_test_ui_wait_for        (TmTestUiCondition cond,
                                       gpointer          data);
/* Dispatches what is pending on the main context, without blocking. */
void       tm_test_ui_drain           (void);
/* A TmTestUiCondition: @widget is mapped. */
gboolean   tm_test_ui_is_mapped       (gpointer      widget);

/* Resets every key of @schema_id to its default. */
void       tm_test_ui_reset_settings  (const char   *schema_id);
/* Resets the app's settings, then sets its language to @language. */
void       tm_test_ui_reset_app_settings (const char *language);

/* Registers and activates a new TmApplication into *@app, and waits for its window
 * (into *@window) to be mapped; *@app must be NULL. */
void       tm_test_ui_start_app       (TmApplication **app,
                                       TmWindow      **window);
/* Destroys the app's windows, stops its proxy if it runs, and drops the app. */
void       tm_test_ui_stop_app        (TmApplication **app,
                                       TmWindow      **window);
/* Shows the page @name of @window and checks it is the visible one. */
void       tm_test_ui_show_page       (TmWindow     *window,
                                       const char   *name);

/* What most UI tests hold: a private data folder, the app and its window. */
typedef struct {
  char          *data_dir;
  TmApplication *app;
  TmWindow      *window;
} TmTestUiApp;

/* A fixture's setup (for g_test_add()): a new private data folder
 * (TEMOIN_DATA_DIR), and the app's settings reset with the language @language, a
 * string ("en" if NULL). */
void       tm_test_ui_app_setup       (TmTestUiApp  *f,
                                       gconstpointer language);
/* A fixture's teardown: stops the app if it runs and removes the data folder. */
void       tm_test_ui_app_teardown    (TmTestUiApp  *f,
                                       gconstpointer data);
/* Adds the test @func at @path, run on a TmTestUiApp in @language. */
#define TM_TEST_UI_ADD(path, language, func) \
  g_test_add (path, TmTestUiApp, language, tm_test_ui_app_setup, func, tm_test_ui_app_teardown)

/* tm_test_ui_start_app(), tm_test_ui_stop_app() and tm_test_ui_show_page() on @f. */
void       tm_test_ui_app_start       (TmTestUiApp  *f);
void       tm_test_ui_app_stop        (TmTestUiApp  *f);
void       tm_test_ui_app_show_page   (TmTestUiApp  *f,
                                       const char   *name);

/* The first widget of @type under @root (itself included) for which @match says
 * yes (any, with a NULL @match), depth first. */
GtkWidget *tm_test_ui_find_widget     (GtkWidget    *root,
                                       GType         type,
                                       TmTestUiMatch match,
                                       gconstpointer data);
/* TmTestUiMatch functions for tm_test_ui_find_widget(). */
gboolean   tm_test_ui_row_has_title   (GtkWidget     *row,
                                       gconstpointer  title);
gboolean   tm_test_ui_button_has_label (GtkWidget    *button,
                                        gconstpointer label);
/* A mapped button labelled @label. */
gboolean   tm_test_ui_button_is_mapped_with_label (GtkWidget     *button,
                                                   gconstpointer  label);
/* A label whose text contains @text (mapped or not). */
gboolean   tm_test_ui_label_has_text  (GtkWidget     *label,
                                       gconstpointer  text);
/* A mapped label whose text contains @text. */
gboolean   tm_test_ui_label_is_mapped_with_text (GtkWidget     *label,
                                                 gconstpointer  text);

/* Whether a label on screen under @root reads exactly @text. */
gboolean   tm_test_ui_shows_label     (GtkWidget    *root,
                                       const char   *text);
/* Whether a label on screen under @root contains @text. */
gboolean   tm_test_ui_shows_text      (GtkWidget    *root,
                                       const char   *text);

/* The first mapped toplevel window of @type and, when @heading is not NULL, an
 * AdwMessageDialog with that heading; NULL if there is none. */
GtkWindow *tm_test_ui_find_toplevel   (GType         type,
                                       const char   *heading);

/* What a mouse click on @button does (gtk_widget_activate() on a button clicks
 * after a delay): @button must be shown and sensitive. */
void       tm_test_ui_click           (gpointer      button);
/* Flips @sw as the keyboard does (it animates, then changes): @sw must be
 * sensitive. Returns whether it changed within TM_TEST_UI_WAIT_SECONDS (a refused
 * change puts it back at once). */
gboolean   tm_test_ui_flip_switch     (GtkSwitch    *sw);

G_END_DECLS
