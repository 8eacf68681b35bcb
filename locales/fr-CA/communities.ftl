# Communautés de pratique : répertoire, page d’une communauté, adhésion,
# membres, invitations, paramètres et approbation par l’administration.

## Navigation
community-nav = Communautés
community-sections-label = Sections de la communauté
community-tab-feed = Publications
community-tab-about = À propos
community-tab-members = Membres
community-tab-requests = Demandes
community-tab-requests-count = { $count ->
    [0] Demandes
   *[other] Demandes ({ $count })
}
community-tab-moderation = Modération
community-tab-invitations = Invitations
community-tab-settings = Paramètres
community-back = Retour
community-go = Aller à la communauté
community-pagination-label = Pages
community-page-prev = ← Page précédente
community-page-next = Page suivante →
community-page-number = Page { $count }

## Répertoire
community-directory-title = Communautés
community-directory-lead = Les communautés de pratique de l’instance : échangez entre pairs, partagez votre veille, apprenez des autres territoires.
community-directory-all = Toutes les communautés
community-mine-title = Mes communautés
community-directory-order = Les plus récemment actives d’abord.
community-directory-empty = Aucune communauté pour l’instant. Lancez la première!
community-directory-no-match = Aucune communauté ne correspond à ces filtres.
community-create = Créer une communauté
community-login-to-create = Se connecter pour créer une communauté
community-filter-legend = Filtrer
community-filter-query = Mots-clés
community-filter-any-theme = Tous les thèmes
community-filter-any-territory = Tous les territoires
community-filter-any-visibility = Ouvertes et privées
community-filter-mine = Seulement mes communautés
community-filter-apply = Filtrer
community-filter-clear = Effacer les filtres
community-member-count = { $count ->
    [0] Aucun membre
    [one] { $count } membre
   *[other] { $count } membres
}
community-badge-requested = Demande envoyée

## Choix
community-visibility-open = Ouverte
community-visibility-open-hint = Tout le monde peut lire; les membres publient.
community-visibility-private = Privée
community-visibility-private-hint = Seuls les membres voient les publications et la liste des membres. Les autres voient sa fiche dans le répertoire et peuvent demander à se joindre, ou y entrer sur invitation.
community-visibility-unlisted = Non répertoriée
community-visibility-unlisted-hint = Quiconque a le lien peut lire, mais elle n’apparaît ni dans le répertoire ni dans la recherche pour les non-membres.
community-join-open = Adhésion libre
community-join-open-hint = Toute personne inscrite peut se joindre d’un clic.
community-join-request = Sur demande
community-join-request-hint = On demande à se joindre avec un message; l’équipe d’animation accepte ou refuse.
community-join-invitation = Sur invitation
community-join-invitation-hint = Seules les personnes invitées (par lien ou par courriel) peuvent se joindre.
community-status-archived = Archivée
community-status-pending = En attente d’approbation
community-status-refused = Refusée
community-role-owner = Propriétaire
community-role-animator = Animation
community-role-moderator = Modération
community-role-member = Membre
community-theme-economie-sociale = Économie sociale
community-theme-action-communautaire = Action communautaire
community-theme-developpement-local = Développement local
community-theme-transition = Transition socio-écologique
community-theme-culture = Culture
community-theme-recherche = Recherche
community-theme-philanthropie = Philanthropie
community-theme-municipal = Milieu municipal
community-theme-autre = Autre
community-kind-discussion = Discussion
community-kind-question = Question
community-kind-watch = Veille

## Création
community-new-title = Créer une communauté
community-new-title-approval = Demander une communauté
community-new-lead = Vous en serez la propriétaire ou le propriétaire : vous pourrez inviter des personnes, nommer une équipe d’animation et modifier ces réglages en tout temps.
community-new-lead-approval = Sur cette instance, les nouvelles communautés sont approuvées par l’équipe d’administration. Vous recevrez un courriel dès que votre demande aura été examinée.
community-new-submit = Créer la communauté
community-new-submit-approval = Envoyer la demande
community-field-name = Nom
community-field-name-hint = 100 caractères au plus.
community-field-slug = Adresse
community-field-slug-hint = La fin de l’adresse de la communauté (/c/…). Laissez vide pour la tirer du nom. Elle ne pourra plus changer.
community-field-description = Description
community-field-description-hint = Quelques phrases sur la raison d’être de la communauté et ce qu’on y trouve (2000 caractères au plus).
community-field-theme = Thème
community-field-territory = Territoire
community-field-territory-hint = La région administrative du Québec où la communauté est surtout active.
community-no-theme = Aucun thème en particulier
community-no-territory = Tout le Québec ou aucun territoire en particulier
community-field-visibility = Visibilité
community-field-join = Adhésion
community-field-request-note = Pourquoi cette communauté?
community-field-request-note-hint = Pour l’équipe d’administration : à qui elle s’adresse, ce qui existe déjà (1000 caractères au plus).
community-field-charter = Charte
community-field-charter-hint = Les règles de la communauté, montrées à chaque nouvelle personne. Mise en forme Markdown permise.
community-field-welcome = Message de bienvenue
community-field-welcome-hint = Montré une seule fois à chaque nouvelle personne, avec la charte. Mise en forme Markdown permise.
community-slug-invalid = Choisissez une adresse d’au moins deux lettres ou chiffres.
community-slug-taken = Cette adresse est déjà prise. Choisissez-en une autre.
community-private-open = Une communauté privée ne peut pas être à adhésion libre : choisissez l’adhésion sur demande ou sur invitation.

## Page d’une communauté
community-you-are-member = Vous êtes membre
community-join = Me joindre à la communauté
community-leave = Quitter la communauté
community-request = Demander à rejoindre
community-request-message = Message à l’équipe d’animation
community-request-message-hint = Facultatif : présentez-vous en quelques mots (1000 caractères au plus).
community-request-pending = Votre demande d’adhésion est en attente de réponse.
community-request-withdraw = Retirer ma demande
community-login-to-join = Se connecter pour se joindre
community-login-to-request = Se connecter pour demander à se joindre
community-invitation-only = Cette communauté accueille de nouvelles personnes sur invitation seulement.
community-banned = Vous ne pouvez plus participer à cette communauté.
community-archived-closed = Cette communauté est archivée : elle n’accueille plus de nouvelles personnes.
community-archived-title = Communauté archivée
community-archived-text = On peut encore la lire, mais on ne peut plus y publier, y répondre ni s’y joindre.
community-pending-title = En attente d’approbation
community-pending-text = L’équipe d’administration doit approuver cette communauté avant qu’elle soit ouverte. Vous recevrez un courriel dès que ce sera fait.
community-pending-note = Votre message :
community-refused-title = Demande refusée
community-refused-text = L’équipe d’administration n’a pas retenu cette demande de communauté.
community-refused-reason = Motif :
community-welcome-title = Bienvenue dans la communauté!
community-welcome-message = Message de bienvenue
community-charter = Charte
community-publish = Publier dans cette communauté
community-feed-title = Publications
community-private-card-notice = Cette communauté est privée : seuls ses membres voient ses publications et ses membres.
community-feed-order = Les publications épinglées d’abord, puis les plus récemment actives.
community-feed-empty = Rien n’a encore été publié ici.
community-feed-empty-member = Lancez la conversation : partagez une question, une ressource ou une nouvelle.
community-pinned = Épinglée
community-reply-count = { $count ->
    [0] aucune réponse
    [one] { $count } réponse
   *[other] { $count } réponses
}
community-no-description = Cette communauté n’a pas encore de description.
community-no-charter = Cette communauté n’a pas encore de charte; celle de l’instance s’applique.
community-created-on = Créée le { $date }
community-team = Équipe d’animation
community-team-none = Aucune personne n’a de rôle particulier pour l’instant.

## Membres et demandes
community-members-active = Membres actifs
community-members-banned = Personnes exclues
community-members-none = Aucun membre pour l’instant.
community-members-banned-none = Personne n’a été exclu de cette communauté.
community-col-member = Personne
community-col-role = Rôle
community-col-reason = Motif
community-col-since = Depuis le
community-col-actions = Actions
community-col-created = Créée le
community-col-expires = Expire le
community-col-uses = Utilisations
community-col-state = État
community-role-change = Changer le rôle
community-member-remove = Retirer
community-requests-title = Demandes d’adhésion
community-requests-none = Aucune demande en attente.
community-requests-more = D’autres demandes attendent : traitez celles-ci pour voir les suivantes.
community-requested-on = Demande envoyée le { $date }
community-request-no-message = Aucun message.
community-request-approve = Accepter
community-request-refuse = Refuser
community-refuse-reason = Motif du refus
community-refuse-reason-hint = Facultatif; la personne le verra.

## Paramètres
community-archive-title = Archiver la communauté
community-archive-text = Une communauté archivée reste lisible, mais on ne peut plus y publier ni s’y joindre. Vous pourrez la rouvrir en tout temps.
community-archive = Archiver
community-reopen-text = La communauté est archivée. En la rouvrant, ses membres pourront de nouveau y publier.
community-reopen = Rouvrir la communauté
community-transfer-title = Transférer la propriété
community-transfer-text = La personne choisie devient propriétaire; vous restez dans l’équipe d’animation.
community-transfer-nobody = Aucun autre membre actif ne peut encore recevoir la propriété.
community-transfer-to = Nouvelle ou nouveau propriétaire
community-transfer-submit = Transférer la propriété

## Invitations
community-invitations-lead = Invitez des personnes par lien ou par courriel. Une invitation permet de se joindre même à une communauté privée ou sur invitation.
community-invite-new = Nouvelle invitation
community-invite-email = Courriel
community-invite-email-hint = Facultatif : nous y enverrons le lien. Sans autre précision, une invitation par courriel ne sert qu’une fois.
community-invite-days = Validité (jours)
community-invite-days-hint = De 1 à 90 jours.
community-invite-max-uses = Nombre d’utilisations permises
community-invite-max-uses-hint = Facultatif : laissez vide pour un lien sans limite d’utilisation.
community-invite-submit = Créer l’invitation
community-invite-created = Invitation créée
community-invite-once = Copiez ce lien maintenant : il ne sera plus jamais affiché.
community-invite-sent = Le lien a été envoyé à { $email }.
community-invite-days-invalid = Entrez un nombre de jours entre 1 et 90.
community-invite-uses-invalid = Entrez un nombre d’utilisations entre 1 et 10 000, ou laissez vide.
community-invitations-list = Invitations récentes
community-invitations-none = Aucune invitation pour l’instant.
community-invite-link-only = lien seulement
community-invite-revoke = Révoquer
community-invite-state-active = Valide
community-invite-state-expired = Expirée
community-invite-state-revoked = Révoquée
community-invite-state-used = Épuisée
community-invite-landing-title = Vous êtes invité à vous joindre à une communauté
community-invite-already-member = Vous êtes déjà membre de cette communauté.
community-invite-login-first = Connectez-vous pour accepter l’invitation. Pas encore de compte? Créez-en un : après avoir confirmé votre adresse et vous être connecté, vous reviendrez ici.
community-invite-signup-hint = Le lien reste valide jusqu’à sa date d’expiration.
community-invite-invalid-title = Invitation invalide
community-invite-invalid = Ce lien d’invitation est invalide, expiré, révoqué ou déjà utilisé. Demandez-en un nouveau à l’équipe d’animation.

## Refus et erreurs
community-refusal-title = Action impossible
community-error-archived = Cette communauté est archivée : on ne peut plus s’y joindre ni y inviter quiconque.
community-error-request-pending = Votre demande d’adhésion est déjà en attente.
community-error-last-owner = Vous êtes la seule personne propriétaire : transférez d’abord la propriété à un autre membre (dans les paramètres) avant de quitter la communauté.
community-error-last-owner-role = Une communauté garde toujours au moins une personne propriétaire : transférez d’abord la propriété.
community-error-no-request = Cette demande n’est plus en attente : quelqu’un l’a peut-être déjà traitée.
community-error-not-member = Choisissez un membre actif de la communauté.
community-error-not-active = Seule une communauté active peut être archivée, et seule une communauté archivée peut être rouverte.
community-error-not-pending = Cette demande de communauté a déjà été traitée.
community-error-invalid-role = Ce rôle n’existe pas.

## Administration
community-admin-nav = Communautés
community-admin-lead = Les demandes de création de communautés, et le choix de les approuver ou non.
community-admin-approval = Approuver les nouvelles communautés
community-admin-approval-hint = Si cette case est cochée, une communauté créée par un membre attend l’approbation de l’équipe d’administration avant d’ouvrir.
community-admin-pending = Demandes en attente
community-admin-none = Aucune demande de communauté en attente.
community-admin-approve = Approuver
community-admin-refuse = Refuser
community-admin-refuse-hint = Facultatif; envoyé par courriel à la personne qui a fait la demande.
admin-audit-community-approved = Communauté approuvée
admin-audit-community-refused = Communauté refusée
admin-audit-community-approval-changed = Approbation des communautés modifiée

## Messages éphémères
flash-community-created = Votre communauté est créée. Invitez-y des personnes et complétez sa charte!
flash-community-requested = Votre demande de communauté est envoyée à l’équipe d’administration.
flash-community-joined = Vous êtes maintenant membre de la communauté.
flash-community-left = Vous avez quitté la communauté.
flash-community-requested-join = Votre demande d’adhésion est envoyée à l’équipe d’animation.
flash-community-request-withdrawn = Votre demande d’adhésion est retirée.
flash-community-request-approved = La demande est acceptée : la personne est maintenant membre.
flash-community-request-refused = La demande est refusée; la personne en sera avisée.
flash-community-role-changed = Le rôle est changé.
flash-community-member-removed = La personne a été retirée de la communauté.
flash-community-transferred = La propriété de la communauté est transférée.
flash-community-archived = La communauté est archivée.
flash-community-reopened = La communauté est rouverte.
flash-community-settings-saved = Paramètres enregistrés.
flash-community-invite-revoked = L’invitation est révoquée.
flash-community-approval-saved = Réglage enregistré.
flash-community-approved = La communauté est approuvée; la personne qui l’a demandée en est avisée par courriel.
flash-community-refused = La demande est refusée; la personne en est avisée par courriel.

## Courriels
community-mail-reason = Motif :
mail-community-invite-subject = Invitation à la communauté « { $name } »
mail-community-invite-body = Bonjour,

    Vous êtes invité à vous joindre à la communauté « { $name } » sur { $instance }. Pour accepter, ouvrez ce lien :
    { $link }

    Cette invitation est valide pendant { $days } jours. Si vous n’avez pas encore de compte, vous pourrez en créer un, puis rouvrir ce lien.
mail-community-approved-subject = Votre communauté « { $name } » est approuvée
mail-community-approved-body = Bonjour,

    Bonne nouvelle : l’équipe d’administration de { $instance } a approuvé la communauté « { $name } ». Elle est maintenant ouverte :
    { $link }

    Pensez à compléter sa charte et son message de bienvenue, puis à y inviter des personnes.
mail-community-refused-subject = Votre demande de communauté « { $name } »
mail-community-refused-body = Bonjour,

    L’équipe d’administration de { $instance } n’a pas retenu votre demande de communauté « { $name } ».
rate-limited-invitations = Vous avez envoyé beaucoup d’invitations en peu de temps. Vous pourrez en envoyer de nouveau dans { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. L’adresse saisie est conservée ci-dessous.

community-export-title = Exporter la communauté
community-export-text = Une archive zip de la communauté pour la déménager sur une autre instance Passerelles : ses réglages, ses membres avec leurs consentements (jamais leurs adresses courriel), les publications et réponses, les événements, le wiki et les fichiers. Son format est documenté (docs/community-export).
community-export = Télécharger l’archive
