# Passerelles — espace d’administration (français du Canada).

## Navigation
admin-title = Administration
admin-nav-label = Sections de l’administration
admin-nav-dashboard = Tableau de bord
admin-nav-users = Membres
admin-nav-registrations = Inscriptions en attente
admin-nav-invitations = Invitations
admin-nav-settings = Paramètres de l’instance
admin-nav-audit = Journal d’audit

## Tableau de bord
admin-dashboard-lead = Un coup d’œil sur l’instance : membres, inscriptions à traiter et envoi des courriels.
admin-mail-smtp = Courriel configuré
admin-mail-smtp-text = Les courriels sont envoyés par le serveur SMTP configuré.
admin-mail-outbox = Aucun serveur SMTP
admin-mail-outbox-text = Aucun serveur SMTP n’est configuré : les courriels ne sont pas envoyés, ils sont déposés sous forme de fichiers dans ce dossier du serveur.
admin-count-users = Comptes locaux
admin-count-admins = Administrateurs actifs
admin-count-suspended = Comptes suspendus
admin-count-pending = Inscriptions en attente
admin-registration-mode = Mode d’inscription
admin-jobs-title = Tâches en arrière-plan
admin-count-jobs-pending = Tâches en attente
admin-count-jobs-failed = Tâches en échec
admin-sections-title = Sections
admin-section-users = chercher un membre, suspendre un compte, nommer un administrateur.
admin-section-registrations = approuver ou refuser les demandes d’inscription.
admin-section-invitations = créer des liens d’invitation et révoquer ceux qui ne servent plus.
admin-section-settings = nom, description, charte, courriel de contact et mode d’inscription.
admin-section-audit = les dernières actions sensibles, et qui les a faites.

## Modes d’inscription
admin-mode-open = Ouvertes
admin-mode-open-hint = Toute personne peut créer un compte après avoir confirmé son adresse courriel.
admin-mode-approval = Sur approbation
admin-mode-approval-hint = Chaque demande attend qu’un administrateur l’approuve avant que le compte soit activé.
admin-mode-invitation = Sur invitation
admin-mode-invitation-hint = Seules les personnes qui ont reçu un code d’invitation peuvent s’inscrire.
admin-mode-closed = Fermées
admin-mode-closed-hint = Personne ne peut s’inscrire; les comptes existants continuent de fonctionner.

## Membres
admin-status-active = Actif
admin-status-pending = En attente
admin-status-suspended = Suspendu
admin-badge-admin = Admin
admin-filter-all = Tous les comptes
admin-filter-active = Actifs
admin-filter-pending = En attente
admin-filter-suspended = Suspendus
admin-filter-admins = Administrateurs
admin-users-search = Rechercher
admin-users-search-hint = Une partie du nom d’utilisateur, du nom affiché ou de l’adresse courriel.
admin-users-status = Statut
admin-users-search-submit = Chercher
admin-users-none = Aucun compte ne correspond à cette recherche.
admin-users-page = Page { $count }
admin-users-manage = Gérer
admin-col-created = Créé le
admin-col-last-login = Dernière connexion
admin-col-actions = Actions
admin-col-expires = Expire le
admin-col-date = Date
admin-col-actor = Par
admin-col-action = Action
admin-col-target = Compte visé
admin-col-detail = Détail
admin-never = Jamais
admin-pagination-label = Pages de résultats
admin-page-prev = ← Page précédente
admin-page-next = Page suivante →
admin-back-to-users = ← Retour à la liste des membres

## Un membre
admin-email-verified = Confirmée
admin-email-unverified = Non confirmée
admin-registration-note = Message d’inscription
admin-user-sessions = Sessions ouvertes
admin-user-tokens = Jetons d’API actifs
admin-user-actions = Actions
admin-user-is-self = C’est votre propre compte : un autre administrateur doit s’en occuper.
admin-user-is-pending = Cette inscription attend une décision.
admin-user-last-admin = Impossible : c’est le dernier administrateur actif de l’instance. Nommez d’abord un autre administrateur.
admin-user-not-self = Vous ne pouvez pas faire cette action sur votre propre compte. Demandez à un autre administrateur.
admin-user-promote-inactive = Seul un compte local actif peut devenir administrateur.
admin-suspend-title = Suspendre le compte
admin-suspend-text = La personne sera déconnectée partout, ses jetons d’API seront révoqués et elle ne pourra plus se connecter. Le motif lui sera affiché si elle essaie.
admin-suspend-reason = Motif de la suspension
admin-suspend-reason-hint = Obligatoire, 500 caractères au plus. La personne le verra.
admin-suspend-reason-required = Indiquez le motif de la suspension.
admin-suspend-submit = Suspendre le compte
admin-unsuspend-text = Lever la suspension rend l’accès au compte. La personne devra se reconnecter.
admin-unsuspend-submit = Lever la suspension
admin-promote-text = Un administrateur peut tout gérer sur l’instance, y compris les autres comptes.
admin-promote-submit = Nommer administrateur
admin-demote-text = Le compte perdra l’accès à l’administration.
admin-demote-submit = Retirer le rôle d’administrateur

## Inscriptions en attente
admin-registrations-lead = Ces personnes ont demandé à se joindre à l’instance. Approuvez ou refusez chaque demande; un courriel les avise de la décision.
admin-registrations-none = Aucune inscription en attente.
admin-registrations-count = { $count ->
    [one] { $count } demande en attente
   *[other] { $count } demandes en attente
}
admin-registration-no-note = Aucun message.
admin-approve-submit = Approuver
admin-refuse-reason = Motif du refus (facultatif)
admin-refuse-reason-hint = S’il est indiqué, il figurera dans le courriel envoyé. La demande sera supprimée.
admin-refuse-submit = Refuser la demande
admin-refused-mail-reason = Le mot de l’équipe d’administration :

## Paramètres de l’instance
admin-settings-name = Nom de l’instance
admin-settings-name-hint = Affiché en haut de chaque page et dans les courriels (80 caractères au plus).
admin-settings-name-required = Indiquez le nom de l’instance.
admin-settings-description = Description
admin-settings-description-hint = Quelques phrases pour l’accueil et la page « À propos » (2 000 caractères au plus).
admin-settings-charter = Charte et code d’éthique
admin-settings-charter-hint = Les règles de vie de la communauté. Si ce texte n’est pas vide, il faudra l’accepter pour s’inscrire.
admin-settings-contact = Courriel de contact
admin-settings-contact-hint = Facultatif. Affiché sur la page « À propos » pour joindre l’équipe.
admin-settings-mode-required = Choisissez un mode d’inscription.

## Invitations
admin-invitations-lead = Une invitation est un lien à usage unique qui permet de s’inscrire, même quand les inscriptions sont sur invitation.
admin-invite-new = Nouvelle invitation
admin-invite-email = Adresse courriel
admin-invite-email-hint = Facultatif. Si vous l’indiquez, l’invitation y est envoyée par courriel.
admin-invite-days = Validité (en jours)
admin-invite-days-hint = De 1 à 90 jours.
admin-invite-days-invalid = Indiquez un nombre de jours entre 1 et 90.
admin-invite-submit = Créer l’invitation
admin-invite-created = Invitation créée.
admin-invite-once = Copiez ce lien maintenant : pour des raisons de sécurité, il ne sera plus jamais affiché.
admin-invite-sent = Le lien a aussi été envoyé à { $email }.
admin-invitations-recent = Invitations récentes
admin-invitations-none = Aucune invitation pour l’instant.
admin-invite-no-email = Lien seulement
admin-invite-state-active = Valide
admin-invite-state-used = Utilisée
admin-invite-state-expired = Expirée ou révoquée
admin-invite-revoke = Révoquer

## Journal d’audit
admin-audit-lead = Les 100 dernières actions sensibles, de la plus récente à la plus ancienne.
admin-audit-none = Le journal est vide.
admin-audit-signup = Inscription
admin-audit-setup-first-admin = Création du premier administrateur
admin-audit-cli-create-user = Compte créé en ligne de commande
admin-audit-email-change-requested = Changement de courriel demandé
admin-audit-email-changed = Courriel changé
admin-audit-password-changed = Mot de passe changé
admin-audit-password-reset = Mot de passe réinitialisé
admin-audit-sessions-revoked = Sessions fermées
admin-audit-api-token-created = Jeton d’API créé
admin-audit-api-token-revoked = Jeton d’API révoqué
admin-audit-user-suspended = Compte suspendu
admin-audit-user-unsuspended = Suspension levée
admin-audit-user-promoted = Nommé administrateur
admin-audit-user-demoted = Rôle d’administrateur retiré
admin-audit-registration-approved = Inscription approuvée
admin-audit-registration-refused = Inscription refusée
admin-audit-settings-changed = Paramètres modifiés
admin-audit-invitation-created = Invitation créée
admin-audit-invitation-revoked = Invitation révoquée

## Messages éphémères
flash-admin-user-suspended = Le compte est suspendu : ses sessions sont fermées et ses jetons révoqués.
flash-admin-user-unsuspended = La suspension est levée.
flash-admin-user-promoted = Le compte est maintenant administrateur.
flash-admin-user-demoted = Le rôle d’administrateur a été retiré.
flash-admin-registration-approved = Inscription approuvée. La personne a été avisée par courriel.
flash-admin-registration-refused = Demande refusée. La personne a été avisée par courriel.
flash-admin-registration-gone = Cette demande a déjà été traitée.
flash-admin-settings-saved = Paramètres de l’instance enregistrés.
flash-admin-invitation-revoked = L’invitation a été révoquée.
