"""Organisation shapes: networks, units, working groups, memberships, posts, sites, people,
and who may be the agent of an action."""

import pytest

NETWORK = 'network:n a org:FormalOrganization, org:Organization ; skos:prefLabel "N"@en .\n'

GROUP = NETWORK + """group:g a org:OrganizationalUnit, org:Organization ; skos:prefLabel "G"@en ;
    dct:description "remit"@en ; org:unitOf network:n .\n"""
SITE = NETWORK + 'site:s a org:Site ; skos:prefLabel "S"@en ; org:siteOf network:n .\n'

CASES = [
    ("OrganizationShape-mission", "language-tagged",
     NETWORK + 'network:n cn:mission "We help cities inspire each other." .'),
    ("OrganizationShape-partnerRole", "org:Role", NETWORK + """
        network:m a org:Organization ; skos:prefLabel "M"@en .
        network:n cn:partnerRole network:m ."""),
    ("UnitShape-position", "schema:position", GROUP + 'group:g schema:position "1" .'),
    ("UnitShape-position", "schema:position", GROUP + "group:g schema:position 1, 2 ."),
    # the office as the agent of a workplan action, or as a member: the organisation acts
    ("SiteShape-notAgent", "never the schema:agent", SITE + """
        action:a a schema:Action ; schema:name "Full policy and WG support"@en ;
            schema:agent site:s ."""),
    ("SiteShape-notAgent", "org:member", SITE + """
        membership:m a org:Membership ; org:member site:s ; org:organization network:n ;
            org:role cn:staff-contact ."""),
    ("AgentOfShape-agent", "never a site", SITE + """
        action:a a schema:Action ; schema:name "A"@en ; schema:agent site:s ."""),
    ("AgentOfShape-agent", "never a site", """
        place:p a dct:Location ; rdfs:label "P"@en .
        action:a a schema:Action ; schema:name "A"@en ; schema:agent place:p ."""),
    ("ActivityShape-label", "needs a name", NETWORK + """
        action:a a schema:Action ; schema:agent network:n ."""),
    ("NetworkShape-label", "network needs", "network:x a org:FormalOrganization ."),
    ("OrganizationShape-label", "skos:prefLabel", "network:x a org:Organization ."),
    ("OrganizationShape-label", "skos:prefLabel",
     'network:x a org:Organization ; skos:prefLabel "A"@en, "B"@en .'),
    # a working group whose forum reaches no network
    ("UnitShape-network", "must reach a network", """
        forum:f a org:OrganizationalUnit, org:Organization ; skos:prefLabel "F"@en .
        group:g a org:OrganizationalUnit, org:Organization ; skos:prefLabel "G"@en ;
            dct:description "remit"@en ; org:subOrganizationOf forum:f ."""),
    # org:unitOf something that is not a formal organisation
    ("UnitShape-network", "must reach a network", """
        group:g a org:OrganizationalUnit, org:Organization ; skos:prefLabel "G"@en ;
            dct:description "remit"@en ; org:unitOf group:h .
        group:h a org:Organization ; skos:prefLabel "H"@en ."""),
    ("WorkingGroupShape-remit", "remit", NETWORK + """
        group:g a org:OrganizationalUnit, org:Organization ; skos:prefLabel "G"@en ;
            org:unitOf network:n ."""),
    ("MembershipShape-member", "org:member", NETWORK + """
        membership:m a org:Membership ; org:organization network:n ; org:role cn:member-city ."""),
    ("MembershipShape-member", "org:member", NETWORK + """
        membership:m a org:Membership ; org:member place:p ; org:organization network:n ;
            org:role cn:member-city ."""),
    ("MembershipShape-organization", "org:organization", """
        person:p a foaf:Person ; foaf:name "P" .
        membership:m a org:Membership ; org:member person:p ; org:role cn:chair ."""),
    ("MembershipShape-role", "org:role", NETWORK + """
        person:p a foaf:Person ; foaf:name "P" .
        membership:m a org:Membership ; org:member person:p ; org:organization network:n ."""),
    ("MembershipShape-role", "org:role", NETWORK + """
        person:p a foaf:Person ; foaf:name "P" .
        membership:m a org:Membership ; org:member person:p ; org:organization network:n ;
            org:role cn:topic-migration ."""),
    ("MembershipShape-period", "org:memberDuring", NETWORK + """
        person:p a foaf:Person ; foaf:name "P" .
        membership:m a org:Membership ; org:member person:p ; org:organization network:n ;
            org:role cn:chair ; org:memberDuring "2014" ."""),
    ("PostShape-label", "post needs", "post:p a org:Post ."),
    ("PostShape-postIn", "org:postIn", 'post:p a org:Post ; skos:prefLabel "P"@en ; '
     'org:postIn place:x .'),
    ("SiteShape-label", "site needs", NETWORK + "site:s a org:Site ; org:siteOf network:n ."),
    ("SiteShape-siteOf", "org:siteOf", 'site:s a org:Site ; skos:prefLabel "S"@en .'),
    ("SiteShape-place", "dct:Location", NETWORK + """
        site:s a org:Site ; skos:prefLabel "S"@en ; org:siteOf network:n ;
            dct:spatial network:n ."""),
    ("PersonShape-name", "foaf:name", "person:p a foaf:Person ."),
    ("PersonShape-name", "foaf:name", 'person:p a foaf:Person ; foaf:name "A", "B" .'),
]


@pytest.mark.parametrize(("shape", "message", "turtle"), CASES)
def test_shape_rejects_invalid_graph(rejected, shape, message, turtle):
    rejected(turtle, shape, message)


def test_working_group_reaching_network_through_forum_is_valid(shape_violations):
    found = shape_violations(NETWORK + """
        forum:f a org:OrganizationalUnit, org:Organization ; skos:prefLabel "F"@en ;
            org:unitOf network:n .
        group:g a org:OrganizationalUnit, org:Organization ; skos:prefLabel "G"@en ;
            dct:description "remit"@en ; org:subOrganizationOf forum:f .""")
    assert found == []


def test_organisation_acting_from_its_site_is_valid(shape_violations):
    found = shape_violations(SITE + """
        topic:partner a org:Role ; skos:prefLabel "partner"@en ; skos:definition "d"@en .
        network:n cn:mission "We help cities inspire each other."@en ;
            cn:partnerRole topic:partner .
        action:a a schema:Action ; schema:name "A"@en ; schema:agent network:n ;
            schema:location site:s .""")
    assert found == []
