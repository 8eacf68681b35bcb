## Infolettres (C10)

newsletter-index-title = Infolettres
newsletter-index-lead = Des sélections de publications choisies par des personnes, envoyées par courriel au rythme de chaque infolettre.
newsletter-index-empty = Aucune infolettre pour l’instant.
newsletter-new-title = Créer une infolettre
newsletter-new-lead = Une infolettre de l’instance (administration), d’une communauté que vous gérez, d’un territoire (administration) ou d’une organisation dont vous êtes responsable.
newsletter-create = Créer l’infolettre
newsletter-field-community = Communauté (adresse courte)
newsletter-field-community-hint = Laissez vide pour une infolettre de toute l’instance.
newsletter-field-name = Nom
newsletter-field-slug = Adresse courte
newsletter-field-slug-hint = Lettres minuscules, chiffres et traits d’union (2 à 60).
newsletter-field-description = Description
newsletter-field-rhythm = Rythme
newsletter-field-rhythm-hint = Par exemple : aux deux semaines.
newsletter-field-categories = Catégories
newsletter-field-categories-hint = Une par ligne, dans l’ordre où elles paraîtront.
newsletter-of-community = Infolettre de la communauté
newsletter-no-tracking = Aucun pixel de suivi ni lien de suivi personnel : nous ne savons pas qui ouvre ou lit l’infolettre.
newsletter-subscribe-title = S’abonner
newsletter-field-email = Adresse courriel
newsletter-field-email-hint = Vous recevrez un lien pour confirmer votre abonnement.
newsletter-consent-label = J’accepte de recevoir l’infolettre « { $name } » par courriel. Je peux me désabonner en tout temps par le lien présent dans chaque envoi.
newsletter-subscribe-button = M’abonner
newsletter-member-subscribe = M’abonner avec l’adresse de mon compte
newsletter-member-subscribed = Vous êtes abonné·e à cette infolettre.
newsletter-member-unsubscribe = Me désabonner
newsletter-members-only = Cette infolettre est réservée aux membres de la communauté : connectez-vous pour vous abonner.
newsletter-archive-title = Numéros parus
newsletter-archive-empty = Aucun numéro pour l’instant.
newsletter-draft = Brouillon
newsletter-draft-preview = Aperçu du numéro tel qu’il paraîtra.
newsletter-editors-title = Édition
newsletter-count-active = Abonnements actifs
newsletter-count-pending = En attente de confirmation
newsletter-count-gone = Désabonnements
newsletter-new-issue = Préparer un numéro
newsletter-field-subject = Titre du numéro
newsletter-field-intro = Mot d’introduction
newsletter-add-editor = Ajouter une personne à l’édition
newsletter-field-username = Nom d’utilisateur
newsletter-sent-on = Envoyé le
newsletter-recipients = Destinataires
newsletter-add-item = Ajouter une publication
newsletter-field-reference = Publication (adresse ou numéro)
newsletter-field-reference-hint = L’adresse d’une publication, d’un lien de veille, d’un événement ou d’une ressource trouvés par la recherche.
newsletter-field-category = Catégorie
newsletter-field-title = Titre affiché
newsletter-field-title-hint = Laissez vide pour reprendre le titre de la publication.
newsletter-field-blurb = Présentation
newsletter-field-blurb-hint = Laissez vide pour reprendre le début de la publication.
newsletter-find-in-search = Chercher une publication
newsletter-preview-email = Aperçu du courriel
newsletter-test-send = M’envoyer un essai
newsletter-test-prefix = Essai
newsletter-send = Envoyer aux abonné·es
newsletter-confirm-title = Confirmer l’abonnement
newsletter-confirm-text = Confirmez-vous votre abonnement à cette infolettre ?
newsletter-confirm-button = Confirmer mon abonnement
newsletter-confirmed-title = Abonnement confirmé
newsletter-confirmed-text = Vous recevrez désormais l’infolettre « { $name } ».
newsletter-confirm-invalid-title = Lien non valide
newsletter-confirm-invalid-text = Ce lien de confirmation est inconnu, déjà utilisé ou expiré. Abonnez-vous de nouveau pour en recevoir un autre.
newsletter-unsubscribe-title = Se désabonner
newsletter-unsubscribe-text = Ne plus recevoir cette infolettre ?
newsletter-unsubscribe-button = Me désabonner
newsletter-unsubscribed-title = Désabonnement fait
newsletter-unsubscribed-text = Vous ne recevrez plus l’infolettre « { $name } ».
newsletter-unsubscribe-invalid-title = Lien non valide
newsletter-unsubscribe-invalid-text = Ce lien de désabonnement n’est pas valide.
newsletter-mail-footer = Vous recevez cette infolettre de { $instance } parce que vous vous y êtes abonné·e. Tous les numéros :
newsletter-mail-no-tracking = Ce courriel ne contient aucun pixel ni lien de suivi.
newsletter-mail-unsubscribe = Se désabonner :
newsletter-error-name = Donnez un nom (120 caractères au plus).
newsletter-error-slug = Adresse courte : 2 à 60 lettres minuscules, chiffres ou traits d’union.
newsletter-error-slug-taken = Cette adresse courte est déjà prise.
newsletter-error-description = La description est trop longue.
newsletter-error-rhythm = Le rythme est trop long.
newsletter-error-categories = Au plus 20 catégories de 80 caractères.
newsletter-error-editor = Personne inconnue.
newsletter-error-email = Entrez une adresse courriel valide.
newsletter-error-consent = Cochez la case pour donner votre consentement.
newsletter-error-no-email = Votre compte n’a pas d’adresse courriel confirmée.
newsletter-error-subject = Donnez un titre (200 caractères au plus).
newsletter-error-intro = Le mot d’introduction est trop long.
newsletter-error-sent = Ce numéro est déjà envoyé.
newsletter-error-item-not-found = Publication, événement ou ressource introuvable.
newsletter-error-item-gone = Un élément du numéro n’est plus lisible par tout le lectorat de l’infolettre : retirez-le avant d’envoyer.
newsletter-item-refused-audience = Cet élément n’est pas lisible par tout le lectorat de l’infolettre (il vient d’une communauté privée ou non listée) : il ne peut pas y paraître.
newsletter-error-category = Choisissez une des catégories de l’infolettre.
newsletter-error-blurb = Titre (200) ou présentation (1000 caractères) trop longs.
flash-newsletter-check-inbox = Vérifiez votre boîte de réception : un lien de confirmation vous a été envoyé.
flash-newsletter-subscribed = Vous êtes abonné·e.
flash-newsletter-unsubscribed = Vous êtes désabonné·e.
flash-newsletter-editor-added = Personne ajoutée à l’édition.
flash-newsletter-test-sent = Essai envoyé à votre adresse.
flash-newsletter-sent = Numéro envoyé : les courriels partent par lots.

mail-newsletter-confirm-subject = Confirmez votre abonnement à « { $name } »
mail-newsletter-confirm-body = Bonjour,

    Quelqu’un (vous, sans doute) a demandé à recevoir l’infolettre « { $name } » de { $instance } à cette adresse. Pour confirmer, ouvrez ce lien :
    { $link }

    Sans confirmation, vous ne recevrez rien. Le lien expire dans 7 jours.

## Subscriptions in the member's settings
newsletter-settings-title = Infolettres
newsletter-settings-lead = Les infolettres que vous pouvez recevoir à l’adresse de votre compte. Vous pouvez vous désabonner en tout temps, ici ou par le lien de chaque envoi.
newsletter-settings-subscribed = Abonné·e
newsletter-settings-subscribe = M’abonner

## Import of subscribers
newsletter-import-title = Importer des abonné·es
newsletter-import-lead = Un fichier CSV : une adresse par ligne dans la première colonne, la langue (fr-CA ou en) dans la deuxième si vous la connaissez. Chaque adresse reçoit un courriel pour confirmer son abonnement, sauf si vous attestez que ces personnes ont déjà consenti. Une personne qui s’est désabonnée n’est jamais réabonnée par un import.
newsletter-import-report = { $count ->
    [one] { $count } adresse ajoutée
   *[other] { $count } adresses ajoutées
}
newsletter-import-file = Fichier CSV
newsletter-import-file-hint = 5 000 lignes et 1 Mo au plus. Séparateur : virgule ou point-virgule.
newsletter-import-content = Ou collez les lignes ici
newsletter-import-consent = Consentement préalable
newsletter-import-consent-hint = Si ces personnes ont déjà accepté de recevoir cette infolettre, vous pouvez l’attester : elles seront abonnées sans confirmation, et votre attestation est conservée comme preuve de leur consentement (Loi 25) : la date, la façon dont il a été obtenu, le texte accepté et votre nom.
newsletter-import-attest = J’atteste que ces personnes ont consenti à recevoir cette infolettre
newsletter-import-date = Date du consentement
newsletter-import-source = Comment le consentement a été obtenu
newsletter-import-source-hint = Par exemple : formulaire papier au kiosque de la fête de quartier.
newsletter-import-wording = Texte accepté par les personnes
newsletter-import-wording-hint = La phrase exacte à laquelle elles ont consenti.
newsletter-import-submit = Importer
newsletter-import-added = Abonnée (consentement attesté)
newsletter-import-confirm-sent = Courriel de confirmation envoyé
newsletter-import-already = Déjà abonnée ou en attente
newsletter-import-unsubscribed = Désabonnée auparavant : non réabonnée
newsletter-import-invalid = Adresse non valide
newsletter-import-duplicate = En double dans le fichier
newsletter-import-too-many = Limite de 5 000 lignes atteinte : le reste n’est pas lu
newsletter-import-error-size = Le fichier dépasse 1 Mo.
newsletter-import-error-empty = Le fichier ne contient aucune ligne.
newsletter-import-error-source = Dites comment le consentement a été obtenu (500 caractères au plus).
newsletter-import-error-wording = Donnez le texte accepté (2 000 caractères au plus).
newsletter-import-error-date = Donnez la date du consentement (AAAA-MM-JJ).

## Delivery report of an issue
newsletter-report-title = Rapport d’envoi
newsletter-report-sent = Envoyés
newsletter-report-pending = En cours
newsletter-report-failed = Échecs
newsletter-report-skipped = Désabonnés avant l’envoi
newsletter-report-unsubscribed = Désabonnements depuis ce numéro
newsletter-report-reason = Raison (réponse du serveur)

## Finding items: search, suggestions, proposals
newsletter-find-title = Chercher des publications
newsletter-find-label = Mots à chercher
newsletter-find-button = Chercher
newsletter-find-none = Aucune publication trouvée.
newsletter-add-this = Ajouter au numéro
newsletter-suggest-title = Suggéré depuis le dernier numéro
newsletter-suggest-order = Dans cet ordre : d’abord ce que des membres ont proposé, puis ce qui a été choisi par des personnes (publications épinglées par l’animation, liens de veille), puis les publications les plus commentées. Ce qui est déjà dans le numéro et ce que le public de l’infolettre ne pourrait pas lire n’y sont pas.
newsletter-suggest-none = Aucune suggestion depuis le dernier numéro.
newsletter-suggest-proposed = Proposé par { $name }
newsletter-suggest-pinned = Épinglé par l’animation
newsletter-suggest-watch = Lien de veille
newsletter-suggest-replies = { $count ->
    [one] { $count } réponse
   *[other] { $count } réponses
}
newsletter-send-title = Aperçu et envoi
newsletter-propose-title = Proposer une publication pour le prochain numéro
newsletter-propose-hint = L’adresse d’une publication que vous avez trouvée. L’équipe d’édition la verra dans ses suggestions.
newsletter-propose-note = Un mot pour l’équipe d’édition (facultatif)
newsletter-propose-button = Proposer
newsletter-error-note = Le mot est trop long (500 caractères au plus).
flash-newsletter-proposed = Merci ! Votre proposition est transmise à l’équipe d’édition.

## Éléments de tout type, envoi programmé, clics agrégés
newsletter-field-editorial = Introduction éditoriale (facultative)
newsletter-field-editorial-hint = Quelques mots de votre part, affichés avant l’élément.
newsletter-edit-item = Modifier
newsletter-save-item = Enregistrer l’élément
newsletter-remove-item = Retirer du numéro
newsletter-error-item-title = Donnez un titre à l’élément (200 caractères au plus).
newsletter-error-editorial = L’introduction est trop longue (1000 caractères au plus).
newsletter-suggest-upcoming = Événement à venir
newsletter-suggest-resource = Nouveau dans la bibliothèque
newsletter-scheduled = Programmé pour le
newsletter-schedule = Programmer l’envoi
newsletter-reschedule = Changer l’heure
newsletter-unschedule = Annuler la programmation
newsletter-field-schedule = Envoyer le (date et heure, fuseau { $zone })
newsletter-field-schedule-hint = La file de tâches l’enverra à ce moment. Vous pouvez changer ou annuler jusqu’au début de l’envoi.
newsletter-error-schedule-time = Indiquez une date et une heure.
newsletter-error-schedule-past = Choisissez un moment à venir.
newsletter-error-not-scheduled = Ce numéro n’est pas programmé.
newsletter-schedule-failed = L’envoi programmé n’a pas commencé :
newsletter-click-count = Aucun pixel de suivi ni lien de suivi personnel. Cette instance compte les clics sur chaque lien, au total seulement : nous ne savons jamais qui a cliqué.
newsletter-mail-click-count = Ce courriel ne contient aucun pixel de suivi. Ses liens comptent les clics au total, jamais qui a cliqué.
newsletter-clicks = Clics
flash-newsletter-scheduled = L’envoi est programmé.
flash-newsletter-unscheduled = La programmation est annulée ; le numéro est de nouveau un brouillon.

# Territories and organisations, settings, time zone
newsletter-of-territory = Infolettre du territoire
newsletter-of-organisation = Infolettre de l’organisation
newsletter-list-settings-title = Réglages de l’infolettre
newsletter-field-time-zone = Fuseau horaire
newsletter-field-time-zone-hint = Les dates d’envoi programmé se lisent et s’affichent dans ce fuseau.
newsletter-error-time-zone = Choisissez un des fuseaux proposés.
flash-newsletter-settings-saved = Réglages de l’infolettre enregistrés.
newsletter-owner-lists = Infolettres
newsletter-owner-new = Créer une infolettre
