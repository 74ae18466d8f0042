"""The web application: routes -> negotiation -> store -> serialisation."""
