/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-import-dialog.h: "Import Cookie Database…": picks an Open Cookie Database
 * CSV file, imports it through tm-rules and says what was imported and which
 * lines were skipped. */
#pragma once

#include <adwaita.h>

#include "tm-consent-store.h"

G_BEGIN_DECLS

/* Asks for a file (modal to @parent, nullable) and imports it into @store. */
void       tm_import_dialog_run     (GtkWindow      *parent,
                                     TmConsentStore *store);
/* Imports @path into @store and shows the outcome in a dialog over @parent;
 * returns that dialog (transfer none), for tests. */
GtkWidget *tm_import_dialog_import  (GtkWindow      *parent,
                                     TmConsentStore *store,
                                     const char     *path);

G_END_DECLS
