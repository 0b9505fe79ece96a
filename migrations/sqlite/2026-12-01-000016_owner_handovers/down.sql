DROP TABLE owner_handovers;
