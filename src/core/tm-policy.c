/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-policy.h"

/**
 * tm_policy_decide:
 * @classifier: the classifier
 * @accepted: the categories the person accepts (necessary is always added)
 * @cookie_name: the cookie's name ("" for a nameless cookie)
 * @context: where it is set or sent
 * @out: (out caller-allocates): the decision
 *
 * THE decision: the cookie is kept iff every category it carries is accepted.
 */
void
tm_policy_decide (TmClassifier          *classifier,
                  TmCategories           accepted,
                  const char            *cookie_name,
                  const TmCookieContext *context,
                  TmDecision            *out)
{
  g_return_if_fail (TM_IS_CLASSIFIER (classifier));
  g_return_if_fail (cookie_name != NULL);
  g_return_if_fail (context != NULL && context->host != NULL);
  g_return_if_fail (out != NULL);

  accepted |= TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
  tm_classifier_classify (classifier, cookie_name, context, &out->classification);
  out->refused = out->classification.categories & ~accepted;
  out->keep = out->refused == 0;
}

/* Every string below exists twice on purpose: N_() marks the English msgid, and
 * the untranslated variant (JSON, logs) is that msgid itself, never a lookup. */
#define TR(translated, msgid) ((translated) ? _(msgid) : (msgid))

static const char *purpose_subjects[TM_N_CATEGORIES] = {
  /* Translators: the start of a decision's reason, e.g. "statistics cookie (_ga,
   * Google Analytics): statistics are refused" */
  N_("necessary cookie"),
  /* Translators: the start of a decision's reason */
  N_("statistics cookie"),
  /* Translators: the start of a decision's reason */
  N_("first-party cookie"),
  /* Translators: the start of a decision's reason */
  N_("third-party cookie"),
};

#define BIT_S TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS)
#define BIT_F TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY)
#define BIT_T TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)

/* Indexed by refused & (S|F|T) >> 1: statistics is bit 1, first-party 2, third-party 3. */
static const char *refusals[8] = {
  NULL,
  /* Translators: the end of the reason a cookie is blocked */
  N_("statistics are refused"),
  /* Translators: the end of the reason a cookie is blocked */
  N_("first-party cookies are refused"),
  /* Translators: the end of the reason a cookie is blocked */
  N_("statistics and first-party cookies are refused"),
  /* Translators: the end of the reason a cookie is blocked */
  N_("third-party cookies are refused"),
  /* Translators: the end of the reason a cookie is blocked */
  N_("statistics and third-party cookies are refused"),
  /* Translators: the end of the reason a cookie is blocked */
  N_("first-party and third-party cookies are refused"),
  /* Translators: the end of the reason a cookie is blocked */
  N_("statistics, first-party and third-party cookies are refused"),
};

G_STATIC_ASSERT (TM_CATEGORY_STATISTICS == 1 && TM_CATEGORY_FIRST_PARTY == 2
                 && TM_CATEGORY_THIRD_PARTY == 3);

/* What the cookie is and where, between the parentheses of the reason. */
static char *
describe_details (const TmClassification *c,
                  const char             *cookie_name,
                  gboolean                translated)
{
  g_autofree char *who = NULL;
  g_autofree char *what = NULL;
  const char *name = cookie_name[0] != '\0' ? cookie_name
                                            /* Translators: a cookie without a name */
                                            : TR (translated, N_("nameless"));

  if (c->third_party)
    /* Translators: a cookie's name and the host that sets or receives it, e.g.
     * "IDE on doubleclick.example" */
    who = g_strdup_printf (TR (translated, N_("%s on %s")), name, c->host);
  else
    who = g_strdup (name);

  switch (c->source)
    {
    case TM_SOURCE_CHARTER:
      /* Translators: where Témoin learnt what a cookie is for; %s is the
       * charter's provider, e.g. "Opendatasoft charter" */
      what = g_strdup_printf (TR (translated, N_("%s charter")),
                              c->label != NULL ? c->label : "Opendatasoft");
      break;
    case TM_SOURCE_BUILTIN:
      what = c->label != NULL ? g_strdup (c->label)
                              /* Translators: where Témoin learnt what a cookie is for */
                              : g_strdup (TR (translated, N_("a common cookie name")));
      break;
    case TM_SOURCE_CONTEXT:
      what = g_strdup (c->third_party
                       /* Translators: a cookie nothing is known about, set or sent
                        * by another site than the one visited */
                       ? TR (translated, N_("unknown to Témoin"))
                       /* Translators: a cookie nothing is known about */
                       : TR (translated, N_("unknown to Témoin, set by the site itself")));
      break;
    case TM_SOURCE_OVERRIDE:
      /* Translators: where Témoin learnt what a cookie is for */
      what = g_strdup (TR (translated, N_("your rule")));
      break;
    case TM_SOURCE_EXCEPTION:
      /* Translators: where Témoin learnt what a cookie is for */
      what = g_strdup (TR (translated, N_("your exception for this site")));
      break;
    case TM_SOURCE_DATABASE:
    default:
      what = c->label != NULL ? g_strdup (c->label)
                              /* Translators: where Témoin learnt what a cookie is for */
                              : g_strdup (TR (translated, N_("the cookie database")));
      break;
    }

  if (c->third_party)
    {
      const char *top = c->top_site != NULL && c->top_site[0] != '\0'
                        ? c->top_site
                        /* Translators: the site visited is not known */
                        : TR (translated, N_("unknown"));

      /* Translators: inside the reason's parentheses: the cookie, what it is,
       * then the site the person is visiting, e.g. "IDE on doubleclick.example,
       * Google Marketing Platform, site visited: site-a.test" */
      return g_strdup_printf (TR (translated, N_("%s, %s, site visited: %s")),
                              who, what, top);
    }
  /* Translators: inside the reason's parentheses: the cookie's name and what it
   * is, e.g. "_ga, Google Analytics" */
  return g_strdup_printf (TR (translated, N_("%s, %s")), who, what);
}

/* Category names inside the reason of an override. */
static const char *category_words[TM_N_CATEGORIES] = {
  /* Translators: a category inside a reason, e.g. "override for sessionid on
   * example.com: necessary" */
  N_("necessary"),
  /* Translators: a category inside a reason */
  N_("statistics"),
  /* Translators: a category inside a reason */
  N_("first-party"),
  /* Translators: a category inside a reason */
  N_("third-party"),
};

/* The user's word (tm-rules.h) says it all: "override for sessionid on
 * example.com: necessary", "site exception: all cookies from example.com allowed". */
static char *
describe_user_word (const TmDecision *decision,
                    const char       *cookie_name,
                    gboolean          translated)
{
  const TmClassification *c = &decision->classification;
  const char *site = c->label != NULL ? c->label : c->host;
  g_autoptr(GString) categories = g_string_new (NULL);
  g_autofree char *reason = NULL;
  const char *refusal;

  if (c->source == TM_SOURCE_EXCEPTION)
    /* Translators: the reason every cookie of a site is kept; %s is the site */
    return g_strdup_printf (TR (translated, N_("site exception: all cookies from %s allowed")),
                            site);

  for (TmCategory cat = 0; cat < TM_N_CATEGORIES; cat++)
    if (c->categories & TM_CATEGORY_BIT (cat))
      {
        if (categories->len > 0)
          g_string_append (categories, ", ");
        g_string_append (categories, TR (translated, category_words[cat]));
      }

  /* Translators: the reason of a cookie the user classified: its name, the
   * site, then the categories the user gave, e.g. "override for sessionid on
   * example.com: necessary" */
  reason = g_strdup_printf (TR (translated, N_("override for %s on %s: %s")),
                            cookie_name[0] != '\0' ? cookie_name
                                                   : TR (translated, N_("nameless")),
                            site, categories->str);
  if (decision->keep)
    return g_steal_pointer (&reason);
  refusal = refusals[(decision->refused & (BIT_S | BIT_F | BIT_T)) >> 1];
  /* Translators: an override's reason, then why the cookie is blocked, e.g.
   * "override for _ga on example.com: statistics; statistics are refused" */
  return g_strdup_printf (TR (translated, N_("%s; %s")), reason,
                          refusal != NULL ? TR (translated, refusal)
                                          : TR (translated, N_("refused")));
}

/**
 * tm_decision_describe:
 * @decision: a decision from tm_policy_decide()
 * @cookie_name: the cookie's name, as given to tm_policy_decide()
 * @translated: %FALSE for the stable English of JSON and logs, %TRUE for the
 *   current language
 *
 * The reason in plain words: "statistics cookie (_ga, Google Analytics):
 * statistics are refused", "necessary cookie (sessionid, Opendatasoft charter):
 * always accepted", "third-party cookie (IDE on doubleclick.example, Google
 * Marketing Platform, site visited: site-a.test): third-party cookies are refused".
 * Returns: (transfer full)
 */
char *
tm_decision_describe (const TmDecision *decision,
                      const char       *cookie_name,
                      gboolean          translated)
{
  const TmClassification *c;
  g_autofree char *details = NULL;
  const char *verdict;

  g_return_val_if_fail (decision != NULL, NULL);
  g_return_val_if_fail (cookie_name != NULL, NULL);

  c = &decision->classification;
  g_return_val_if_fail (c->purpose < TM_N_CATEGORIES, NULL);

  if (c->source == TM_SOURCE_OVERRIDE || c->source == TM_SOURCE_EXCEPTION)
    return describe_user_word (decision, cookie_name, translated);

  details = describe_details (c, cookie_name, translated);

  if (decision->keep)
    {
      if (c->categories == TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY))
        /* Translators: the end of the reason a necessary cookie is kept */
        verdict = TR (translated, N_("always accepted"));
      else
        /* Translators: the end of the reason a cookie is kept */
        verdict = TR (translated, N_("accepted"));
    }
  else
    {
      guint index = (decision->refused & (BIT_S | BIT_F | BIT_T)) >> 1;

      /* Necessary is never refused; a decision made elsewhere could say so. */
      if (index == 0)
        /* Translators: the end of the reason a cookie is blocked */
        verdict = TR (translated, N_("refused"));
      else
        verdict = TR (translated, refusals[index]);
    }

  /* Translators: a decision's reason: what the cookie is, the details in
   * parentheses, then the verdict, e.g. "statistics cookie (_ga, Google
   * Analytics): statistics are refused" */
  return g_strdup_printf (TR (translated, N_("%s (%s): %s")),
                          TR (translated, purpose_subjects[c->purpose]),
                          details, verdict);
}
