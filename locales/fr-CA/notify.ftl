# Préférences de notification, courriels, résumés, désabonnement (issue 16).
notification-new-publication = { $name } a publié dans { $community }
notification-event = { $name } a annoncé un événement dans { $community }

notify-settings-title = Notifications
notify-settings-lead = Recevez ce que vous avez demandé, au rythme choisi. Tout ce qui n’est pas « jamais » reste aussi dans votre centre de notifications.
notify-settings-kinds = Par type de notification
notify-settings-kinds-hint = Choisissez un canal pour chaque type. Les avis de sécurité arrivent toujours par courriel.
notify-settings-kind = Type
notify-settings-fixed = Toujours par courriel, sans délai (ne peut pas être désactivé)
notify-settings-digests = Résumés par courriel
notify-settings-hour = Heure d’envoi des résumés
notify-settings-zone = Fuseau horaire
notify-settings-day = Jour du résumé hebdomadaire
notify-settings-communities = Par communauté
notify-settings-communities-hint = Le niveau de suivi d’une communauté l’emporte sur les choix ci-dessus : « en sourdine » fait taire tout ce qui vient d’elle, sauf les décisions qui vous concernent.
notify-settings-no-community = Vous n’êtes membre d’aucune communauté.
notify-settings-save = Enregistrer mes préférences
flash-notify-settings-saved = Vos préférences de notification sont enregistrées.

notify-channel-app = Dans le site seulement
notify-channel-email = Courriel immédiat
notify-channel-daily = Résumé quotidien
notify-channel-weekly = Résumé hebdomadaire
notify-channel-never = Jamais

notify-kind-mention = Mention de mon nom
notify-kind-reply = Réponse à mes messages
notify-kind-followed-reply = Réponse dans une discussion suivie
notify-kind-new-publication = Nouvelle publication dans une communauté
notify-kind-event = Événement dans mes communautés
notify-kind-moderation = Décision de modération me concernant
notify-kind-join-request = Demande d’adhésion à mes communautés
notify-kind-saved-search = Nouveau résultat d’une recherche enregistrée
notify-kind-security = Avis de sécurité

notify-level-everything = Tout
notify-level-publications = Nouvelles publications seulement
notify-level-mentions = Mentions seulement
notify-level-muted = En sourdine

notify-weekday-0 = lundi
notify-weekday-1 = mardi
notify-weekday-2 = mercredi
notify-weekday-3 = jeudi
notify-weekday-4 = vendredi
notify-weekday-5 = samedi
notify-weekday-6 = dimanche

notify-error-channel = Choisissez un des canaux proposés.
notify-error-hour = Choisissez une heure de 0 à 23.
notify-error-zone = Choisissez un des fuseaux horaires proposés.
notify-error-day = Choisissez un jour de la semaine.
notify-error-level = Choisissez un des niveaux de suivi proposés.

notify-mute-thread = Mettre cette discussion en sourdine
notify-settings-muted = Discussions en sourdine
notify-settings-muted-hint = Rien ne vous arrive de ces discussions. Réactivez-en une pour en recevoir de nouveau les notifications.
notify-settings-no-muted = Aucune discussion n’est en sourdine.
notify-unmute-thread = Réactiver les notifications
flash-notify-thread-muted = Cette discussion est en sourdine.
flash-notify-thread-unmuted = Vous recevrez de nouveau les notifications de cette discussion.

notify-mail-open = Ouvrir
notify-mail-settings = Mes préférences de notification
notify-mail-stop-kind = Ne plus recevoir ces courriels
notify-mail-stop-digest = Ne plus recevoir ce résumé
notify-mail-mute-community = Mettre { $community } en sourdine
notify-mail-why-now = Vous recevez ce courriel de { $instance } parce que « { $name } » est réglé sur « courriel immédiat ».
notify-mail-why-digest = Vous recevez ce { $name } de { $instance } parce que vous l’avez choisi dans vos préférences.

notify-digest-daily = résumé quotidien
notify-digest-weekly = résumé hebdomadaire
notify-digest-subject = Votre { $name } — { $instance } : { $count ->
    [one] 1 nouveauté
   *[other] { $count } nouveautés
}
notify-digest-intro = { $count ->
    [one] Voici la nouveauté qui vous attend, par communauté, de la plus récente à la plus ancienne.
   *[other] Voici les { $count } nouveautés qui vous attendent, par communauté, de la plus récente à la plus ancienne.
}
notify-digest-elsewhere = Ailleurs

notify-unsubscribe-title = Se désabonner
notify-unsubscribe-invalid = Ce lien de désabonnement n’est pas valide ou a expiré. Vous pouvez changer vos préférences après vous être connecté.
notify-unsubscribe-confirm = Confirmer
notify-unsubscribe-done = C’est fait :
notify-unsubscribe-kind = plus de courriels pour « { $name } » (les notifications restent dans le site).
notify-unsubscribe-community = plus rien de la communauté { $community } (en sourdine).
notify-unsubscribe-daily = plus de résumé quotidien (les notifications restent dans le site).
notify-unsubscribe-weekly = plus de résumé hebdomadaire (les notifications restent dans le site).

## Reply by e-mail
notify-mail-reply-hint = Répondez à ce courriel pour répondre dans la discussion (le texte cité et la signature sont retirés).
mail-in-bounce-subject = Réponse non publiée
mail-in-bounce-intro = Votre courriel n’a pas été publié comme réponse sur { $instance }.
mail-in-refused-too-large = Le message est trop volumineux.
mail-in-refused-unparsable = Le message n’a pas pu être lu.
mail-in-refused-unknown = L’adresse de réponse est inconnue, modifiée ou n’est plus valide.
mail-in-refused-forged = L’expéditeur n’est pas la personne à qui cette adresse de réponse a été donnée. Répondez depuis l’adresse de votre compte.
mail-in-refused-automatic = Les messages automatiques ne sont pas acceptés.
mail-in-refused-empty = La réponse est vide une fois le texte cité et la signature retirés.
mail-in-refused-invalid = Le texte de la réponse a été refusé (trop long?).
mail-in-refused-locked = La discussion est verrouillée.
mail-in-refused-not-allowed = Vous ne pouvez plus répondre dans cette discussion (vous n’y avez plus accès).

## Web Push
notify-channel-push = Notification push
push-title = Notifications sur cet appareil
push-lead = Recevez les notifications choisies « Notification push » dans la grille ci-dessus sur ce navigateur, même quand le site est fermé, par le service de notifications de votre navigateur. Aucun relais autre que celui-ci.
push-count = { $count ->
    [0] Aucun navigateur n’est abonné.
    [one] Un navigateur est abonné.
   *[other] { $count } navigateurs sont abonnés.
}
push-needs-js = Les notifications push demandent JavaScript : activez-le pour vous abonner sur ce navigateur. Tout le reste de cette page fonctionne sans.
push-unsupported = Ce navigateur ne prend pas en charge les notifications push (ou la page n’est pas servie en HTTPS).
push-enable = Activer sur ce navigateur
push-disable = Désactiver sur ce navigateur
push-state-on = Ce navigateur reçoit les notifications push.
push-state-off = Ce navigateur ne reçoit pas les notifications push.
push-state-denied = Le navigateur a refusé la permission d’afficher des notifications.
push-state-error = L’abonnement n’a pas pu être enregistré. Réessayez plus tard.
push-error-endpoint = L’adresse du service de notifications n’est pas valide.
push-error-key = La clé de l’abonnement n’est pas valide.
push-error-too-many = Trop de navigateurs sont abonnés : désabonnez-en un d’abord.
