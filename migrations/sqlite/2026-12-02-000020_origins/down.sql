DROP TABLE leases;
DROP TABLE origins;
