global using ReverseCrypt.TestSupport;
