"""Business partners: the customers we sell to and the suppliers we buy from."""
