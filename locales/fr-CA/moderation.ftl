# Passerelles — modération : signalements, files d’examen, journal (français du Canada).

## Signaler
moderation-report-publication = Signaler une publication
moderation-report-reply = Signaler une réponse
moderation-report-user = Signaler une personne
moderation-report-to-communities = Votre signalement sera examiné par l’équipe de modération de :
moderation-report-to-instance = Votre signalement sera examiné par les administrateurs de l’instance.
moderation-report-private = La personne signalée ne saura pas qui l’a signalée.
moderation-category = Motif du signalement
moderation-category-required = Choisissez le motif qui décrit le mieux le problème.
moderation-category-spam = Pourriel
moderation-category-spam-hint = Publicité non sollicitée, liens répétés, contenu automatisé.
moderation-category-harassment = Harcèlement
moderation-category-harassment-hint = Attaques personnelles, intimidation, acharnement contre une personne.
moderation-category-hate = Propos haineux
moderation-category-hate-hint = Contenu qui attaque des personnes pour ce qu’elles sont : origine, religion, genre, orientation, handicap…
moderation-category-misinformation = Désinformation
moderation-category-misinformation-hint = Information fausse ou trompeuse présentée comme vraie.
moderation-category-off-topic = Hors sujet
moderation-category-off-topic-hint = N’a pas sa place dans cette communauté ou ne respecte pas sa charte.
moderation-category-illegal = Contenu illégal
moderation-category-illegal-hint = Contenu qui semble contrevenir à la loi (données personnelles, droits d’auteur, menaces…).
moderation-category-other = Autre
moderation-category-other-hint = Un autre problème : expliquez-le dans le commentaire.
moderation-report-comment = Commentaire
moderation-report-comment-hint = Facultatif. Ce que l’équipe de modération devrait savoir ({ $count } caractères au plus).
moderation-report-submit = Envoyer le signalement
moderation-report-already-title = Déjà signalé
moderation-report-already-text = Vous avez déjà signalé ceci et votre signalement est en cours d’examen. Merci!
moderation-report-back = Revenir au contenu
moderation-report-own-account = Vous ne pouvez pas signaler votre propre compte.
moderation-report-sent-title = Merci pour votre signalement
moderation-report-sent-text = Votre signalement a été transmis à l’équipe de modération. Il restera confidentiel.
moderation-report-sent-next = Les modérateurs l’examineront et décideront s’il faut agir. Vous n’avez rien d’autre à faire.
moderation-report-sent-home = Retour à l’accueil
moderation-target-one = Indiquez une seule cible : une publication, une réponse ou une personne.
moderation-already-reported = Vous avez déjà un signalement ouvert sur ce contenu.

## Files d’examen
moderation-admin-nav = Signalements
moderation-admin-lead = Tous les signalements ouverts : les personnes signalées, et le contenu signalé dans chaque communauté. Du plus ancien au plus récent.
moderation-queue-title = Modération
moderation-queue-lead = Les signalements ouverts de cette communauté, du plus ancien au plus récent. Chaque décision est inscrite au journal de modération, avec sa raison, et l’auteur en est avisé.
moderation-open-reports = Signalements ouverts
moderation-queue-empty = Aucun signalement en attente.
moderation-back-to-community = Retour à la communauté
moderation-back-to-queue = Retour aux signalements
moderation-back-to-reports = Retour aux signalements
moderation-reported-by = Signalé par
moderation-comment = Commentaire
moderation-author = Auteur
moderation-author-banned = Banni de la communauté
moderation-author-suspended = Compte suspendu
moderation-account-page = Fiche du compte
moderation-community = Communauté
moderation-state = État
moderation-locked = Fil verrouillé
moderation-more-options = Toutes les actions
moderation-age = { $count ->
    [0] aujourd’hui
    [one] il y a { $count } jour
   *[other] il y a { $count } jours
}
moderation-kind-publication = Publication
moderation-kind-reply = Réponse
moderation-kind-user = Personne
moderation-status-visible = Visible
moderation-status-hidden = Masqué
moderation-status-removed = Retiré
moderation-status-deleted = Supprimé par l’auteur
moderation-reason = Raison
moderation-reason-hint = Communiquée à l’auteur et inscrite au journal de modération (500 caractères au plus). Obligatoire, sauf pour rétablir, déverrouiller, lever un bannissement ou rejeter un signalement.
moderation-reason-required = Indiquez la raison : l’auteur la verra.
moderation-banned-title = Membres bannis
moderation-banned-none = Personne n’est banni de cette communauté.
moderation-col-member = Membre
moderation-col-reason = Raison
moderation-col-date = Date
moderation-col-actions = Actions
moderation-col-action = Action
moderation-col-target = Cible
moderation-col-moderator = Modérateur
moderation-pagination-label = Pages
moderation-page = Page { $count }
moderation-page-prev = Page précédente
moderation-page-next = Page suivante

## Actions
moderation-act-title = Modérer
moderation-act-for-report = En réponse au signalement :
moderation-act-nothing = Aucune action possible sur cette cible.
moderation-act-not-applicable = Cette action ne s’applique pas ici.
moderation-act-hide = Masquer
moderation-act-remove = Retirer
moderation-act-restore = Rétablir
moderation-act-lock = Verrouiller le fil
moderation-act-unlock = Déverrouiller le fil
moderation-act-ban = Bannir de la communauté
moderation-act-unban = Lever le bannissement
moderation-act-ban-author = Bannir l’auteur
moderation-act-unban-author = Lever le bannissement de l’auteur
moderation-act-dismiss = Rejeter le signalement
moderation-act-suspend = Suspendre le compte
moderation-act-suspend-author = Suspendre le compte de l’auteur
moderation-act-remove-everywhere = Retirer de toute l’instance
moderation-act-restore-everywhere = Rétablir dans toute l’instance
flash-moderation-done = C’est fait : l’action est inscrite au journal de modération.
flash-moderation-dismissed = Le signalement a été rejeté.

## Journal de modération
moderation-log-title = Journal de modération
moderation-log-lead = Ce que l’équipe de modération a fait dans cette communauté, et pourquoi. Le contenu retiré n’y est pas reproduit. Du plus récent au plus ancien.
moderation-log-empty = Aucune action de modération pour l’instant.
moderation-log-reply-in = Réponse dans « { $name } »
moderation-log-hide-publication = Publication masquée
moderation-log-remove-publication = Publication retirée
moderation-log-restore-publication = Publication rétablie
moderation-log-hide-reply = Réponse masquée
moderation-log-remove-reply = Réponse retirée
moderation-log-restore-reply = Réponse rétablie
moderation-log-lock = Fil verrouillé
moderation-log-unlock = Fil déverrouillé
moderation-log-ban = Membre banni
moderation-log-unban = Bannissement levé
moderation-log-remove-everywhere = Retirée de toute l’instance
moderation-log-restore-everywhere = Rétablie dans toute l’instance
moderation-log-suspend = Compte suspendu
moderation-log-dismiss = Signalement rejeté
moderation-log-block-instance = Instance bloquée dans la communauté
moderation-log-unblock-instance = Instance débloquée dans la communauté
moderation-log-remove-remote-event = Événement d’une autre instance retiré
rate-limited-reports = Vous avez fait beaucoup de signalements en peu de temps. Vous pourrez signaler de nouveau dans { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. Votre commentaire est conservé ci-dessous.
