# Événements et calendriers (C15)
nav-events = Événements
event-agenda-title = Événements
event-month-title = Calendrier du mois
event-month-nav = Mois
event-month-prev = Mois précédent
event-month-next = Mois suivant
event-new-title = Créer un événement
event-edit-title = Modifier l’événement
event-mine-title = Mes événements
event-mine-empty = Vous n’êtes inscrit·e à aucun événement à venir.
event-create = Créer l’événement
event-upcoming = À venir
event-past = Passés
event-none-upcoming = Aucun événement à venir.
event-none-past = Aucun événement passé.
event-subscribe = S’abonner dans mon calendrier
event-download-ics = Fichier iCalendar
event-add-to-calendar = Ajouter à mon calendrier (.ics)
event-filter-legend = Filtrer les événements
event-filter-community = Communauté (identifiant)
event-filter-territory = Territoire (identifiant)
event-filter-tag = Étiquette
event-filter-online = Format
event-filter-any = Tous
event-filter-inperson = En personne
event-filter-apply = Filtrer
event-status-cancelled = Annulé
event-status-postponed = Reporté
event-status-title = État de l’événement
event-cancel = Annuler l’événement
event-postpone = Reporter
event-reschedule = Rétablir comme prévu
event-repeats = Récurrent
event-occurrences = Prochaines dates
event-occurrence-cancel = Annuler cette date
event-occurrence-restore = Rétablir cette date
event-occurrence-unknown = Cette date ne fait pas partie de la série.
event-organiser = Organisé par
event-online-for-participants = Le lien est donné aux personnes inscrites.
event-rsvp-title = Inscription
event-rsvp-going = J’y serai
event-rsvp-maybe = Peut-être
event-rsvp-no = Je n’y serai pas
event-rsvp-waiting = Sur la liste d’attente
event-rsvp-login = Connectez-vous pour vous inscrire.
event-count-going = { $count ->
    [0] Aucune personne inscrite
    [one] { $count } personne inscrite
   *[other] { $count } personnes inscrites
}
event-count-maybe = { $count ->
    [one] { $count } peut-être
   *[other] { $count } peut-être
}
event-count-waiting = { $count ->
    [one] { $count } en attente
   *[other] { $count } en attente
}
event-participants-title = Participant·es
event-participants-csv = Exporter (CSV)
event-participants-empty = Personne ne s’est encore inscrit.
event-participant-name = Personne
event-participant-answer = Réponse
event-private-feeds = Mes calendriers privés
event-private-feeds-lead = Une adresse secrète permet à votre application de calendrier de suivre vos événements et ceux de vos communautés, y compris privées. Ne la partagez pas ; vous pouvez la révoquer à tout moment.
event-private-feeds-once = Voici vos adresses. Elles ne seront plus affichées : copiez-les maintenant.
event-private-feeds-count = { $count ->
    [0] Aucune adresse privée active.
    [one] { $count } adresse privée active.
   *[other] { $count } adresses privées actives.
}
event-private-feeds-create = Créer une adresse privée
event-private-feeds-revoke = Révoquer toutes mes adresses privées
event-feed-mine = Mes événements
event-feed-communities = Les événements de mes communautés
event-field-title = Titre
event-field-description = Description
event-field-markdown-hint = Vous pouvez utiliser Markdown.
event-field-communities = Communautés
event-no-community = Vous devez être membre d’une communauté pour y créer un événement.
event-field-start = Début
event-field-start-hint = Date et heure locales (pour toute la journée, seule la date compte).
event-field-end = Fin
event-field-all-day = Toute la journée
event-field-tz = Fuseau horaire
event-tz-america-toronto = Heure de l’Est (Montréal, Québec)
event-tz-america-halifax = Heure de l’Atlantique (Îles-de-la-Madeleine)
event-tz-america-blanc-sablon = Heure de l’Atlantique sans heure avancée (Basse-Côte-Nord)
event-tz-utc = Temps universel (UTC)
event-repeat-legend = Récurrence
event-field-repeat = Se répète
event-repeat-none = Non
event-repeat-weekly = Chaque semaine, le même jour
event-repeat-monthly = Chaque mois, le même jour de la semaine (p. ex. 2e mardi)
event-repeat-rule = Règle RRULE avancée
event-field-interval = Intervalle
event-field-interval-hint = Toutes les N semaines ou N mois (1 par défaut).
event-field-until = Jusqu’au
event-field-count = Nombre de fois
event-field-count-hint = Au plus 500 ; sinon indiquez une date de fin.
event-field-rrule = Règle RRULE
event-field-rrule-hint = Par exemple FREQ=WEEKLY;BYDAY=TU;COUNT=10 (choisissez « Règle RRULE avancée »).
event-field-exdates = Dates exclues
event-field-exdates-hint = Une date par ligne (AAAA-MM-JJ).
event-place-legend = Lieu
event-field-place-kind = Format
event-place-address = En personne
event-place-online = En ligne
event-place-hybrid = Hybride
event-field-address = Adresse
event-field-online-url = Lien de la rencontre en ligne
event-field-online-private = Ne montrer le lien qu’aux personnes inscrites
event-field-territory = Territoire
event-field-territory-hint = Identifiant du territoire, p. ex. montreal.
event-field-organisation = Organisation
event-field-organisation-hint = Identifiant d’une organisation dont vous êtes membre.
event-field-contact = Contact
event-field-capacity = Nombre de places
event-field-capacity-hint = Laissez vide s’il n’y a pas de limite ; au-delà, les personnes sont mises en liste d’attente.
event-field-tags = Étiquettes
event-field-tags-hint = Séparées par des virgules.
event-title-required = Donnez un titre à l’événement.
event-field-too-long = Ce champ est trop long.
event-tz-invalid = Choisissez un fuseau horaire de la liste.
event-start-invalid = Indiquez la date et l’heure de début.
event-end-invalid = La fin n’est pas une date valide.
event-end-before-start = La fin doit venir après le début.
event-too-long = Un événement dure au plus 31 jours.
event-rrule-invalid = Cette règle de récurrence n’est pas acceptée.
event-rrule-freq = Seules les récurrences quotidiennes, hebdomadaires et mensuelles sont acceptées.
event-rrule-count = Le nombre de fois doit être entre 1 et 500.
event-rrule-empty = Cette récurrence ne donne aucune date.
event-repeat-needs-end = Indiquez une date de fin ou un nombre de fois.
event-until-invalid = La date de fin de la série doit suivre le début.
event-exdate-invalid = Une date exclue n’est pas valide (AAAA-MM-JJ, au plus 200).
event-place-invalid = Choisissez un format de la liste.
event-online-url-required = Donnez le lien de la rencontre en ligne.
event-online-url-invalid = Le lien doit commencer par https:// ou http://.
event-capacity-invalid = Le nombre de places doit être un nombre entier entre 1 et 100 000.
event-territory-unknown = Ce territoire n’existe pas.
event-organisation-not-member = Vous devez être membre de cette organisation.
event-communities-required = Choisissez au moins une communauté.
event-communities-too-many = Au plus 10 communautés.
event-community-refused = Vous ne pouvez pas créer d’événement dans l’une de ces communautés.
event-token-too-many = Vous avez déjà 10 adresses privées ; révoquez-les d’abord.
flash-event-created = Événement créé.
flash-event-saved = Événement enregistré.
flash-event-going = Vous êtes inscrit·e.
flash-event-waitlisted = L’événement est complet : vous êtes sur la liste d’attente.
flash-event-answered = Réponse enregistrée.
flash-event-tokens-revoked = Vos adresses privées sont révoquées.
event-status-invalid = État inconnu : scheduled, cancelled ou postponed.
event-answer-invalid = Réponse inconnue : going, maybe ou no.
