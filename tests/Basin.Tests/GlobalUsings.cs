global using Xunit;
global using Basin.Objective;
